/**
 * The backend's MQTT connections as one MqttSession, sized for AWS IoT Core's per-connection quota:
 * 100 publish requests per second per connection, counting what the connection receives AND sends
 * (docs: "Publish requests per second per connection", not adjustable; the excess is dropped, and the
 * embedded endpoint disconnects a client that publishes faster). One upload costs the backend three:
 * the camera's upload-URL request in, the answer out, the user's upload.completed event out. So one
 * connection carries about 30 uploads/s, and 200 uploads/s needs seven.
 *
 * The pool opens `connections` sessions on the one certificate (client ids camlink-backend,
 * camlink-backend-2, ...: things the certificate is attached to; the backend policy allows
 * client/camlink-backend*), subscribes through the shared subscription
 * `$share/camlink-backend/{filter}` so the endpoint spreads incoming requests over them, and paces its
 * own publishes: each connection has a token bucket of `publishesPerSecond` (in + out; a received
 * message takes a token too), a publish goes out on a connected session with a token, and when all are
 * spent publishes wait, in order, in a bounded queue.
 *
 * A policy without the $share topic filters (a stack from before them) refuses the shared subscription:
 * the pool then subscribes plainly on its first connection and says so (that connection's quota then
 * bounds the upload rate, as before the pool).
 */
import type { Logger } from '../../log/logger.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { TokenBucket } from '../../util/token-bucket.js';
import type { BackendMqttIdentity } from '../cloud/types.js';
import { openMqttSession, type MqttSession } from './session.js';

export const BACKEND_SHARE_NAME = 'camlink-backend';

export interface MqttPoolOptions {
  /** Connections to open (1-32). */
  readonly connections: number;
  /** Publish requests per second per connection, received + sent (AWS allows 100). */
  readonly publishesPerSecond: number;
  /** Publishes waiting for a token before publish() refuses more. */
  readonly maxQueuedPublishes: number;
  /** Time for the token buckets (tests pass their own). */
  readonly clock?: Clock;
}

export interface MqttPool extends MqttSession {
  readonly stats: { readonly connections: number; readonly queued: number; shared: boolean };
}

interface Pending {
  readonly topic: string;
  readonly payload: string;
  readonly qos: 0 | 1;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

export function poolClientId(base: string, index: number): string {
  return index === 0 ? base : `${base}-${index + 1}`;
}

export async function openMqttPool(
  identity: BackendMqttIdentity,
  logger: Logger,
  options: MqttPoolOptions,
): Promise<MqttPool> {
  const clock = options.clock ?? systemClock;
  // The first connection decides whether the identity works at all; the others only add capacity.
  const first = await openMqttSession(identity, logger, identity.clientId);
  const opened = await Promise.allSettled(
    Array.from({ length: options.connections - 1 }, (_, i) =>
      openMqttSession(identity, logger, poolClientId(identity.clientId, i + 1)),
    ),
  );
  const sessions = [first, ...opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []))];
  const refused = opened.flatMap((o, i) =>
    o.status === 'rejected' ? [poolClientId(identity.clientId, i + 1)] : [],
  );
  if (refused.length > 0) {
    logger.warn(
      { refused, connected: sessions.length },
      'some connections of the backend MQTT pool were refused (is the certificate attached to those things?); ' +
        'going on with fewer, at about 30 uploads/s each',
    );
  }
  // One bucket per connection, received + sent: a received message spends a token too.
  const budgets = sessions.map(() => new TokenBucket(options.publishesPerSecond, clock));
  const queue: Pending[] = [];
  const stats = {
    connections: sessions.length,
    get queued() {
      return queue.length;
    },
    shared: sessions.length > 1,
  };
  let cursor = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  /** A connection with a token for the next publish (the token is taken), preferring connected ones. */
  const pick = (): number | undefined => {
    for (const requireConnected of [true, false]) {
      for (let tried = 0; tried < sessions.length; tried++) {
        const i = (cursor + tried) % sessions.length;
        const session = sessions[i];
        const budget = budgets[i];
        if (session === undefined || budget === undefined) continue;
        if (requireConnected && !session.client.connected) continue;
        if (budget.take()) {
          cursor = (i + 1) % sessions.length;
          return i;
        }
      }
      // None connected with a token: publish on a disconnected one only when none is connected at all
      // (MQTT.js keeps it until that session is back).
      if (sessions.some((s) => s.client.connected)) break;
    }
    return undefined;
  };

  const pump = (): void => {
    if (timer !== undefined || closed) return;
    while (queue.length > 0) {
      const i = pick();
      if (i === undefined) {
        const wait = Math.min(...budgets.map((b) => b.msUntilToken()));
        timer = setTimeout(
          () => {
            timer = undefined;
            pump();
          },
          Math.max(1, Math.ceil(wait)),
        );
        return;
      }
      const next = queue.shift();
      const session = sessions[i];
      if (next === undefined || session === undefined) return;
      session.publish(next.topic, next.payload, next.qos).then(next.resolve, next.reject);
    }
  };

  return {
    client: first.client,
    stats,
    publish(topic, payload, qos = 1) {
      if (closed) return Promise.reject(new Error('the backend MQTT session is closed'));
      if (queue.length >= options.maxQueuedPublishes) {
        return Promise.reject(
          new Error(
            `${queue.length} MQTT publishes are waiting for the per-connection quota ` +
              `(${options.connections} connections x ${options.publishesPerSecond}/s); ` +
              'raise backend.mqttPool.connections',
          ),
        );
      }
      return new Promise<void>((resolve, reject) => {
        queue.push({ topic, payload, qos, resolve, reject });
        pump();
      });
    },
    async subscribe(filter, onMessage) {
      const counted = (i: number) => (topic: string, payload: Buffer) => {
        budgets[i]?.spend();
        onMessage(topic, payload);
        // A received message may have spent the token a waiting publish was due.
        if (queue.length > 0) pump();
      };
      if (sessions.length > 1 && stats.shared) {
        try {
          await first.subscribe(filter, counted(0), { share: BACKEND_SHARE_NAME });
        } catch (err) {
          stats.shared = false;
          logger.warn(
            { filter, err: err instanceof Error ? err.message : String(err) },
            'the endpoint refused the shared subscription (a backend policy without $share?): ' +
              'subscribing on one connection, whose 100/s quota now bounds the rate',
          );
        }
        if (stats.shared) {
          await Promise.all(
            sessions
              .slice(1)
              .map((s, i) => s.subscribe(filter, counted(i + 1), { share: BACKEND_SHARE_NAME })),
          );
          return;
        }
      }
      await first.subscribe(filter, counted(0));
    },
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const pending of queue.splice(0)) pending.reject(new Error('the backend MQTT session closed'));
      await Promise.allSettled(sessions.map((s) => s.close()));
    },
  };
}
