/**
 * AWS IoT Core message-broker quotas applied to MQTT input (general reference "AWS IoT Core endpoints
 * and quotas"): topic size and depth, client id size, keep-alive range. Checks return a reason string
 * for the log (the connection is then closed) or undefined.
 */
import type { BrokerLimits } from '../config/schema.js';

/** Bytes of a PUBLISH's remaining length besides the payload: topic length prefix, topic, packet id. */
export function maxRemainingLength(limits: BrokerLimits): number {
  return limits.maxPayloadBytes + 2 + limits.maxTopicBytes + 2;
}

export function checkTopic(
  topic: string,
  limits: BrokerLimits,
  what: 'topic' | 'topic filter',
): string | undefined {
  const bytes = Buffer.byteLength(topic);
  if (bytes > limits.maxTopicBytes) return `${what} is ${bytes} bytes; the limit is ${limits.maxTopicBytes}`;
  let slashes = 0;
  for (const ch of topic) if (ch === '/') slashes++;
  if (slashes > limits.maxTopicSlashes) {
    return `${what} has ${slashes} slashes; the limit is ${limits.maxTopicSlashes}`;
  }
  return undefined;
}

/**
 * AWS keep-alive rule: 0 or above the maximum becomes the maximum, below the minimum becomes the
 * minimum (the connection is then closed after 1.5x that period without traffic, MQTT 3.1.2.10).
 */
export function normalizeKeepalive(requested: number, limits: BrokerLimits): number {
  if (requested === 0 || requested > limits.keepaliveMaxSeconds) return limits.keepaliveMaxSeconds;
  if (requested < limits.keepaliveMinSeconds) return limits.keepaliveMinSeconds;
  return requested;
}
