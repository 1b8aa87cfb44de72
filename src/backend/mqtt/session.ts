/**
 * The backend's own MQTT session with the IoT endpoint (embedded or AWS IoT Core): mutual TLS with the
 * camlink-backend identity, MQTT 3.1.1, QoS 1. It reconnects on its own, 1 s after a drop (AWS takes
 * one CONNECT per second per client id), and re-subscribes at once: its session is clean, so until the
 * SUBACK nobody receives the devices' requests (they republish them, src/device/upload-url-request.ts).
 * The SUBSCRIBE is ours, sent on the CONNACK, not MQTT.js's `resubscribe`, which waits until its offline
 * queue is flushed. While it is offline, publishes wait in MQTT.js's queue (bounded by the broker's
 * in-flight window once back).
 */
import { performance } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import { matchesTopicFilter } from '../../iot/rules/topic-filter.js';
import type { Logger } from '../../log/logger.js';
import type { BackendMqttIdentity } from '../cloud/types.js';

export interface MqttSession {
  readonly client: MqttClient;
  publish(topic: string, payload: string, qos?: 0 | 1): Promise<void>;
  /**
   * Subscribes to `filter` and calls onMessage for each message matching it. With `share`, the
   * subscription is the shared `$share/{share}/{filter}`: the endpoint hands each message to one member
   * of the group (the backend's connections; src/broker/shared-subscriptions.ts).
   */
  subscribe(
    filter: string,
    onMessage: (topic: string, payload: Buffer) => void,
    options?: { share?: string },
  ): Promise<void>;
  close(): Promise<void>;
}

const RECONNECT_MS = 1_000;
const CONNECT_TIMEOUT_MS = 10_000;

export async function openMqttSession(
  identity: BackendMqttIdentity,
  logger: Logger,
  clientId: string = identity.clientId,
): Promise<MqttSession> {
  const url = new URL(identity.url);
  const client = mqtt.connect(identity.url, {
    protocolVersion: 4,
    clientId,
    clean: true,
    keepalive: 60,
    reconnectPeriod: RECONNECT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    resubscribe: false,
    key: identity.key,
    cert: identity.cert,
    ...(identity.ca ? { ca: identity.ca } : {}),
    // The embedded endpoint's certificate names localhost and 127.0.0.1; AWS's names its own host.
    servername: url.hostname === '127.0.0.1' ? 'localhost' : url.hostname,
    rejectUnauthorized: true,
  });
  const handlers: {
    filter: string;
    subscription: string;
    onMessage: (topic: string, payload: Buffer) => void;
  }[] = [];
  client.on('message', (topic, payload) => {
    for (const h of handlers) if (matchesTopicFilter(h.filter, topic)) h.onMessage(topic, payload);
  });
  let connectedOnce = false;
  let offlineSince: number | undefined;
  client.on('connect', () => {
    if (connectedOnce) {
      const offlineMs = offlineSince === undefined ? undefined : Math.round(performance.now() - offlineSince);
      logger.info({ clientId, url: identity.url, offlineMs }, 'backend MQTT session reconnected');
      resubscribe(offlineMs);
    }
    connectedOnce = true;
    offlineSince = undefined;
  });
  const resubscribe = (offlineMs: number | undefined) => {
    const subscriptions = [...new Set(handlers.map((h) => h.subscription))];
    if (subscriptions.length === 0) return;
    const sent = performance.now();
    client.subscribeAsync(subscriptions, { qos: 1 }).then(
      (granted) => {
        const refused = granted.filter((g) => g.qos === 128).map((g) => g.topic);
        if (refused.length > 0) {
          logger.error(
            { clientId, refused },
            "the endpoint refused the backend's subscriptions after a reconnect",
          );
          return;
        }
        logger.info(
          { clientId, subscriptions, offlineMs, subackMs: Math.round(performance.now() - sent) },
          'backend MQTT session resubscribed',
        );
      },
      (err: unknown) =>
        logger.warn(
          { clientId, err: err instanceof Error ? err.message : String(err) },
          'resubscribing after a reconnect failed; trying again on the next connect',
        ),
    );
  };
  client.on('close', () => {
    if (connectedOnce) offlineSince ??= performance.now();
  });
  client.on('offline', () =>
    logger.warn({ clientId, url: identity.url }, 'backend MQTT session offline; reconnecting'),
  );
  client.on('error', (err) => logger.warn({ err: err.message }, 'backend MQTT session error'));
  await new Promise<void>((resolve, reject) => {
    // The first attempt decides: a refused identity should fail the start, not retry quietly forever.
    const fail = (err?: Error) => {
      client.removeListener('connect', ok);
      client.end(true);
      reject(err ?? new Error(`the endpoint ${identity.url} closed the backend's first connection`));
    };
    const ok = () => {
      client.removeListener('error', fail);
      client.removeListener('close', fail);
      resolve();
    };
    client.once('connect', ok);
    client.once('error', fail);
    client.once('close', fail);
  });
  return {
    client,
    async publish(topic, payload, qos = 1) {
      await client.publishAsync(topic, payload, { qos });
    },
    async subscribe(filter, onMessage, options = {}) {
      const subscription = options.share === undefined ? filter : `$share/${options.share}/${filter}`;
      const handler = { filter, subscription, onMessage };
      handlers.push(handler);
      const refused = () => {
        handlers.splice(handlers.indexOf(handler), 1);
        return new Error(
          `the endpoint refused the backend's subscription to ${subscription} (check the backend policy)`,
        );
      };
      let granted: { qos: number }[];
      try {
        granted = await client.subscribeAsync(subscription, { qos: 1 });
      } catch (err) {
        // MQTT.js rejects a SUBACK that refuses (0x80) with the packet attached.
        if ((err as { packet?: { granted?: unknown } }).packet?.granted !== undefined) throw refused();
        handlers.splice(handlers.indexOf(handler), 1);
        throw err;
      }
      if (granted.some((g) => g.qos === 128)) throw refused();
    },
    async close() {
      await client.endAsync();
    },
  };
}
