/**
 * Ordering AWS IoT lifecycle events (developer guide life-cycle-events.md). AWS delivers them at least
 * once and out of order, so the last one received is not necessarily the device's state. Each carries
 * the broker's `timestamp` (ms) and a `versionNumber` that grows with every new session of a client id
 * (a session's connect and disconnect share it); AWS restarts version numbers after a client id has been
 * away for a while, and the embedded endpoint after a restart, so versions alone cannot order events
 * far apart in time.
 *
 * The rule: events more than CLOCK_SKEW_MS apart are ordered by timestamp; closer ones (brokers' clocks
 * may differ that much) by versionNumber, and within one session the disconnect comes after the
 * connect. An exact repeat is not newer (a redelivery changes nothing).
 */
export type PresenceState = 'online' | 'offline';

export interface PresenceMark {
  readonly state: PresenceState;
  /** The event's versionNumber. */
  readonly version: number;
  /** The event's timestamp, epoch ms. */
  readonly at: number;
}

/** How far apart two brokers' stamps of one client's events may be while versions still decide. */
export const CLOCK_SKEW_MS = 10_000;

const rank = (state: PresenceState) => (state === 'offline' ? 1 : 0);

/** True when `event` describes a later moment of the client than `stored`. */
export function isNewerPresence(event: PresenceMark, stored: PresenceMark | undefined): boolean {
  if (stored === undefined) return true;
  if (Math.abs(event.at - stored.at) > CLOCK_SKEW_MS) return event.at > stored.at;
  if (event.version !== stored.version) return event.version > stored.version;
  if (event.state !== stored.state) return rank(event.state) > rank(stored.state);
  return event.at > stored.at;
}

export interface LifecycleEvent extends PresenceMark {
  readonly clientId: string;
}

/**
 * Reads a lifecycle message; undefined for anything that is not a well-formed connected/disconnected
 * event of the topic's own client id (the topic names the client; the payload must agree).
 */
export function parseLifecycleEvent(topic: string, payload: Buffer): LifecycleEvent | undefined {
  const match = /^\$aws\/events\/presence\/(connected|disconnected)\/([^/]+)$/.exec(topic);
  if (match === null) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { clientId, timestamp, versionNumber, eventType } = body as Record<string, unknown>;
  if (typeof clientId !== 'string' || clientId !== match[2] || eventType !== match[1]) return undefined;
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) return undefined;
  if (typeof versionNumber !== 'number' || !Number.isSafeInteger(versionNumber) || versionNumber < 0) {
    return undefined;
  }
  return {
    clientId,
    state: eventType === 'connected' ? 'online' : 'offline',
    version: versionNumber,
    at: timestamp,
  };
}
