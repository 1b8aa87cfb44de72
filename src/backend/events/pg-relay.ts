/**
 * Event fan-out between backend replicas that share one PostgreSQL database: every event a replica
 * originates is sent with NOTIFY on one channel, and every replica LISTENs on it and delivers the
 * others' events to its own streams (EventHub.deliverRemote). A user's event stream on replica B so
 * sees the upload.completed that replica A reconciled.
 *
 * PostgreSQL's rules apply: a notification is delivered to the sessions listening when it is sent, in
 * send order, at most 8,000 bytes; nothing is kept for a replica that is not connected. So a replica
 * that loses its listening connection reconnects (bounded backoff) and its streams miss what was sent
 * meanwhile: the upload list stays the source of truth a client resynchronizes from, as after a
 * Last-Event-ID older than the replay buffer. The channel is per schema, so tenants (and tests) that
 * share a database in different schemas don't see each other's events.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Logger } from '../../log/logger.js';
import type { BackendEventData, BackendEventType, EventHub } from './hub.js';

/** PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more. */
export const MAX_NOTIFY_PAYLOAD_BYTES = 7_999;
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 30_000;
const EVENT_TYPES: ReadonlySet<string> = new Set<BackendEventType>([
  'upload.completed',
  'upload.thumbnail',
  'device.presence',
]);

interface Envelope {
  readonly v: 1;
  /** The sending process (its own notifications come back to it and are skipped). */
  readonly origin: string;
  readonly userId: string | null;
  readonly type: BackendEventType;
  readonly data: BackendEventData[BackendEventType];
}

export interface EventRelayStats {
  sent: number;
  received: number;
  /** Events not sent (too large, or the connection was down) or received malformed. */
  dropped: number;
  reconnects: number;
}

export interface EventRelay {
  readonly channel: string;
  /** The PostgreSQL backend process of the listening session (undefined while reconnecting). */
  readonly pid: number | undefined;
  readonly stats: EventRelayStats;
  /** 'listening' after each (re)connect. */
  readonly events: EventEmitter;
  close(): Promise<void>;
}

export interface PgEventRelayOptions {
  readonly url: string;
  readonly hub: EventHub;
  readonly logger: Logger;
}

/** The LISTEN/NOTIFY channel of a schema (a quoted identifier, at most 63 bytes). */
export function relayChannel(schema: string): string {
  return `camlink_events:${schema}`.slice(0, 63);
}

export async function startPgEventRelay(options: PgEventRelayOptions): Promise<EventRelay> {
  const { hub, logger } = options;
  const origin = randomUUID();
  const stats: EventRelayStats = { sent: 0, received: 0, dropped: 0, reconnects: 0 };
  const events = new EventEmitter();
  let client: pg.Client | undefined;
  let channel = '';
  let closed = false;
  let retryMs = RECONNECT_MIN_MS;
  let timer: NodeJS.Timeout | undefined;

  const onNotification = (message: pg.Notification) => {
    if (message.channel !== channel || message.payload === undefined) return;
    const envelope = parseEnvelope(message.payload);
    if (envelope === undefined) {
      stats.dropped++;
      logger.warn({ channel }, 'malformed event notification ignored');
      return;
    }
    if (envelope.origin === origin) return;
    stats.received++;
    hub.deliverRemote(envelope.userId ?? undefined, envelope.type, envelope.data);
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: options.url });
    next.on('notification', onNotification);
    next.on('error', (err) => lost(next, err));
    next.on('end', () => lost(next, new Error('connection ended')));
    await next.connect();
    const rows = await next.query<{ schema: string }>('SELECT current_schema() AS schema');
    channel = relayChannel(rows.rows[0]?.schema ?? 'public');
    await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    client = next;
    retryMs = RECONNECT_MIN_MS;
    events.emit('listening');
  };

  const lost = (which: pg.Client, err: Error) => {
    if (closed || client !== which) return;
    client = undefined;
    which.end().catch(() => undefined);
    logger.warn({ err: err.message, retryMs }, 'replica event relay lost its connection; reconnecting');
    schedule();
  };

  const schedule = () => {
    timer = setTimeout(() => {
      stats.reconnects++;
      connect().catch((err: unknown) => {
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'relay reconnect failed');
        retryMs = Math.min(retryMs * 2, RECONNECT_MAX_MS);
        if (!closed) schedule();
      });
    }, retryMs);
    timer.unref();
  };

  await connect();

  const detach = hub.onOriginate((event, userId) => {
    const envelope: Envelope = { v: 1, origin, userId: userId ?? null, type: event.type, data: event.data };
    const payload = JSON.stringify(envelope);
    const target = client;
    if (target === undefined || Buffer.byteLength(payload) > MAX_NOTIFY_PAYLOAD_BYTES) {
      stats.dropped++;
      logger.warn(
        { type: event.type, bytes: Buffer.byteLength(payload), connected: target !== undefined },
        'event not relayed to the other replicas',
      );
      return;
    }
    target.query('SELECT pg_notify($1, $2)', [channel, payload]).then(
      () => stats.sent++,
      (err: unknown) => {
        stats.dropped++;
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'event relay NOTIFY failed');
      },
    );
  });

  return {
    get channel() {
      return channel;
    },
    get pid() {
      return client === undefined ? undefined : pidOf(client);
    },
    stats,
    events,
    async close() {
      closed = true;
      detach();
      clearTimeout(timer);
      const last = client;
      client = undefined;
      await last?.end().catch(() => undefined);
    },
  };
}

function parseEnvelope(payload: string): Envelope | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Record<string, unknown>;
  if (e['v'] !== 1 || typeof e['origin'] !== 'string') return undefined;
  if (e['userId'] !== null && typeof e['userId'] !== 'string') return undefined;
  if (typeof e['type'] !== 'string' || !EVENT_TYPES.has(e['type'])) return undefined;
  if (typeof e['data'] !== 'object' || e['data'] === null) return undefined;
  return value as Envelope;
}

/** pg keeps the server's process id (BackendKeyData) on the client, untyped. */
function pidOf(client: pg.Client): number | undefined {
  const pid: unknown = (client as unknown as { processID?: unknown }).processID;
  return typeof pid === 'number' ? pid : undefined;
}
