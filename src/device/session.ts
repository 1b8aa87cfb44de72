/**
 * The camera's MQTT session with the IoT data endpoint: MQTT 3.1.1 (MQTT.js, protocolVersion 4) over
 * mutual TLS with the device certificate, client id = thing name, persistent session (clean: false).
 *
 * Reconnection is ours, not MQTT.js's (its reconnectPeriod is a fixed interval on real timers): after
 * every close we wait a full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff And
 * Jitter") on injectable timers, never less than 1 s because the endpoint, like AWS IoT, accepts one
 * CONNECT per second per client id. That same loop covers JITP: the endpoint drops the very first
 * connection of a new certificate while it provisions it, and the retry connects. A CONNACK 3 "Server
 * unavailable" (AWS IoT when it cannot take the client; camlink's endpoint while its backend is not
 * subscribed yet, src/broker/admission.ts) is not a fault of ours: the next try comes soon, on a short
 * backoff of its own (at most 4 x base), instead of the long one a run of failures has built up.
 * Each attempt that ends without a session says why (connect-refusal.ts): a close before CONNACK is
 * DEVICE_CONNECT_CLOSED naming the provisioning close and the connect quota, a refusing CONNACK is named;
 * it is logged, carried by the `retrying` event and by DEVICE_OFFLINE errors until the session is up.
 *
 * MQTT.js keeps its in-flight QoS 1 packets across our reconnects (client.connect() after a close keeps
 * its stores), but a publish still rejects as soon as the connection drops: callers with durable state
 * (the outbox) retry from their own records instead of waiting on a socket that may never come back.
 */
import { EventEmitter } from 'node:events';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { CamlinkError } from '../errors/camlink-error.js';
import { closedBeforeConnack, connackRefused } from './connect-refusal.js';
import type { Logger } from '../log/logger.js';
import { systemRandom, type RandomBytes } from '../util/clock.js';

/** Timers the session waits on; tests inject ones that advance a fake clock instead of sleeping. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const systemTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface BackoffPolicy {
  /** First ceiling, and the floor of every wait (default 1,000 ms: one CONNECT per second). */
  readonly baseMs: number;
  /** Largest ceiling (default 30,000 ms). */
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 30_000 };

/** After CONNACK 3 (server unavailable) the ceiling grows to at most this many times the base. */
export const UNAVAILABLE_CAP_BASES = 4;

/** MQTT 3.1.1 CONNACK return code 3: "Server unavailable". */
const SERVER_UNAVAILABLE = 3;

/** What one connection attempt got from the endpoint, reset for each attempt. */
interface AttemptOutcome {
  /** MQTT.js wrote the CONNECT. */
  connectSent: boolean;
  /** A refusing CONNACK's return code. */
  connackCode: number | undefined;
  /** A socket, TLS or timeout error (logged as it came): not the endpoint closing on purpose. */
  failed: boolean;
}

/** Full jitter: uniform in [base, min(cap, base * 2^attempt)]. */
export function backoffMs(
  attempt: number,
  random: RandomBytes,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  const r = Buffer.from(random(4)).readUInt32BE(0) / 0x1_0000_0000;
  return Math.max(policy.baseMs, Math.floor(r * ceiling));
}

export interface DeviceSessionOptions {
  /** The thing name; also the MQTT client id. */
  readonly deviceId: string;
  /** mqtts://host:port of the IoT data endpoint (AWS IoT: mqtts://<prefix>-ats.iot.<region>.amazonaws.com:8883). */
  readonly mqttUrl: string;
  readonly cert: Buffer | string;
  readonly key: Buffer | string;
  /** Trust anchor for the endpoint (the embedded platform's CA); the system roots otherwise. */
  readonly ca?: Buffer | string;
  /** TLS server name; default the URL's host, "localhost" for 127.0.0.1. */
  readonly servername?: string;
  /**
   * AWS IoT Core on port 443: sets the ALPN protocol "x-amzn-mqtt-ca", which AWS needs to route a
   * 443 connection to MQTT with X.509 client authentication. Default false.
   */
  readonly alpn443?: boolean;
  /** Default 60 s (AWS IoT accepts 30-1200). */
  readonly keepaliveSeconds?: number;
  /** Time for TLS + CONNACK (default 10,000 ms). */
  readonly connectTimeoutMs?: number;
  readonly backoff?: BackoffPolicy;
  readonly random?: RandomBytes;
  readonly timers?: Timers;
  readonly logger: Logger;
}

export interface SessionEvents {
  /** A CONNACK arrived; `attempts` counts the CONNECTs this took (2 for a JITP first connect). */
  connected: [info: { sessionPresent: boolean; attempts: number }];
  /** A connected session was lost; a reconnect is scheduled unless the session was stopped. */
  offline: [info: { reason: string }];
  /**
   * A reconnect is scheduled after `delayMs`; `serverUnavailable` when the endpoint answered CONNACK 3
   * (the short backoff); `refusal` when the attempt reached the endpoint and it gave no session: closed
   * before CONNACK (DEVICE_CONNECT_CLOSED) or a refusing CONNACK (DEVICE_CONNECT_REFUSED, DEVICE_OFFLINE for 3).
   */
  retrying: [
    info: { attempt: number; delayMs: number; serverUnavailable: boolean; refusal: CamlinkError | undefined },
  ];
  message: [topic: string, payload: Buffer];
  /** stop() was called. */
  stopped: [];
}

/** The MQTT.js options the session connects with (pure, so the TLS settings are checkable). */
export function mqttConnectOptions(options: DeviceSessionOptions): IClientOptions {
  const host = new URL(options.mqttUrl).hostname;
  return {
    protocolVersion: 4,
    clientId: options.deviceId,
    clean: false,
    keepalive: options.keepaliveSeconds ?? 60,
    reconnectPeriod: 0,
    // The session connects once its listeners are on (the first CONNECT is seen like the later ones).
    manualConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    resubscribe: false,
    cert: options.cert,
    key: options.key,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    servername: options.servername ?? (host === '127.0.0.1' ? 'localhost' : host),
    ...(options.alpn443 ? { ALPNProtocols: ['x-amzn-mqtt-ca'] } : {}),
    rejectUnauthorized: true,
  };
}

export class DeviceSession extends EventEmitter<SessionEvents> {
  readonly client: MqttClient;
  private readonly random: RandomBytes;
  private readonly timers: Timers;
  private readonly subscriptions = new Set<string>();
  private attempts = 0;
  private failures = 0;
  /** CONNACK 3 answers in a row, and whether the last close followed one. */
  private unavailable = 0;
  private wasConnected = false;
  private attempt: AttemptOutcome = newAttempt();
  /** Closes before CONNACK in a row, and why the last attempt got no session (until one does). */
  private closedInARow = 0;
  private lastRefusal: CamlinkError | undefined;
  private retryTimer: unknown;
  private stopped = false;

  private constructor(private readonly options: DeviceSessionOptions) {
    super();
    this.random = options.random ?? systemRandom;
    this.timers = options.timers ?? systemTimers;
    this.attempts = 1;
    this.client = mqtt.connect(options.mqttUrl, mqttConnectOptions(options));
    this.client.on('connect', (connack) => this.onConnect(connack.sessionPresent));
    this.client.on('close', () => this.onClose());
    this.client.on('packetsend', (packet) => {
      if (packet.cmd === 'connect') this.attempt.connectSent = true;
    });
    this.client.on('error', (err) => {
      const code = (err as { code?: unknown }).code;
      // A CONNACK return code: reported with the close that follows (onClose).
      if (typeof code === 'number' && !this.client.connected && code > 0 && code < 6) {
        this.attempt.connackCode = code;
        return;
      }
      this.attempt.failed = true;
      options.logger.warn({ err: err.message }, 'device MQTT error');
    });
    this.client.on('message', (topic, payload) => this.emit('message', topic, payload));
    this.client.connect();
  }

  /** Starts connecting (and retrying) at once. */
  static open(options: DeviceSessionOptions): DeviceSession {
    return new DeviceSession(options);
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Resolves when connected (now or at the next CONNACK); rejects if the session is stopped first. */
  waitConnected(): Promise<void> {
    if (this.client.connected) return Promise.resolve();
    if (this.stopped) return Promise.reject(offline('the session is stopped'));
    return new Promise((resolve, reject) => {
      const onConnected = () => {
        this.off('stopped', onStopped);
        resolve();
      };
      const onStopped = () => {
        this.off('connected', onConnected);
        reject(offline('the session is stopped'));
      };
      this.once('connected', onConnected);
      this.once('stopped', onStopped);
    });
  }

  /** Publishes and resolves on the PUBACK (QoS 1); rejects with DEVICE_OFFLINE if the connection drops first. */
  publish(topic: string, payload: string | Buffer, qos: 0 | 1 = 1): Promise<void> {
    if (!this.client.connected) return Promise.reject(this.notConnected());
    return new Promise((resolve, reject) => {
      const onOffline = ({ reason }: { reason: string }) => reject(offline(reason));
      this.once('offline', onOffline);
      this.client.publish(topic, payload, { qos }, (err) => {
        this.off('offline', onOffline);
        if (err) reject(offline(err.message, err));
        else resolve();
      });
    });
  }

  /**
   * Subscribes (QoS 1) now if connected, and again after every connect that did not find the session
   * (sessionPresent false): the endpoint may have dropped a persistent session, MQTT.js does not
   * resubscribe for us.
   */
  async subscribe(filters: readonly string[]): Promise<void> {
    const fresh = filters.filter((f) => !this.subscriptions.has(f));
    for (const f of fresh) this.subscriptions.add(f);
    if (fresh.length > 0 && this.client.connected) await this.sendSubscribe(fresh);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.timers.clear(this.retryTimer);
    this.emit('stopped');
    await this.client.endAsync(true);
  }

  /** Why the last attempt got no session, when known (the refusal is the cause). */
  get lastConnectRefusal(): CamlinkError | undefined {
    return this.lastRefusal;
  }

  private notConnected(): CamlinkError {
    const refusal = this.lastRefusal;
    return refusal === undefined
      ? offline('not connected')
      : offline(`not connected: ${refusal.message}`, refusal);
  }

  private onConnect(sessionPresent: boolean): void {
    const attempts = this.attempts;
    this.attempts = 0;
    this.failures = 0;
    this.unavailable = 0;
    this.closedInARow = 0;
    this.lastRefusal = undefined;
    this.wasConnected = true;
    this.options.logger.info(
      { deviceId: this.options.deviceId, sessionPresent, attempts },
      'device connected',
    );
    if (!sessionPresent && this.subscriptions.size > 0) {
      this.sendSubscribe([...this.subscriptions]).catch((err: unknown) =>
        this.options.logger.warn({ err: String(err) }, 'resubscribe failed'),
      );
    }
    this.emit('connected', { sessionPresent, attempts });
  }

  private onClose(): void {
    const attempt = this.attempt;
    this.attempt = newAttempt();
    const hadSession = this.wasConnected;
    if (this.wasConnected) {
      this.wasConnected = false;
      this.emit('offline', { reason: this.stopped ? 'stopped' : 'connection closed' });
    }
    if (this.stopped) return;
    const policy = this.options.backoff ?? DEFAULT_BACKOFF;
    const serverUnavailable = attempt.connackCode === SERVER_UNAVAILABLE;
    // Server unavailable: the endpoint is up and about to take us; the failures before it (the
    // platform down) do not count, and the ceiling stays short.
    const delayMs = serverUnavailable
      ? backoffMs(this.unavailable++, this.random, {
          baseMs: policy.baseMs,
          capMs: Math.min(policy.capMs, policy.baseMs * UNAVAILABLE_CAP_BASES),
        })
      : backoffMs(this.failures++, this.random, policy);
    if (serverUnavailable) this.failures = 0;
    const refusal = hadSession ? undefined : this.refusalOf(attempt, delayMs);
    if (!hadSession) this.lastRefusal = refusal;
    this.options.logger.info(
      { deviceId: this.options.deviceId, delayMs, serverUnavailable },
      'device reconnect scheduled',
    );
    this.emit('retrying', { attempt: this.attempts + 1, delayMs, serverUnavailable, refusal });
    this.retryTimer = this.timers.set(() => {
      if (this.stopped) return;
      this.attempts++;
      // connect() (not reconnect()) after an unexpected close keeps MQTT.js's in-flight QoS 1 store.
      this.client.connect();
    }, delayMs);
  }

  /**
   * Why an attempt that never had a session ended, if the endpoint ended it: a refusing CONNACK, or a
   * close after the CONNECT with no error of the socket's own. Logged with its code: at info for the
   * expected cases (CONNACK 3; a first close before CONNACK, as JITP makes), at warn otherwise.
   */
  private refusalOf(attempt: AttemptOutcome, retryInMs: number): CamlinkError | undefined {
    const context = { endpoint: this.options.mqttUrl, clientId: this.options.deviceId, retryInMs };
    let refusal: CamlinkError;
    let expected: boolean;
    if (attempt.connackCode !== undefined) {
      this.closedInARow = 0;
      refusal = connackRefused(context, attempt.connackCode);
      expected = attempt.connackCode === SERVER_UNAVAILABLE;
    } else if (attempt.connectSent && !attempt.failed) {
      this.closedInARow++;
      refusal = closedBeforeConnack(context, this.closedInARow);
      expected = this.closedInARow === 1;
    } else {
      this.closedInARow = 0;
      return undefined;
    }
    const fields = { deviceId: this.options.deviceId, code: refusal.code, ...refusal.details };
    if (expected) this.options.logger.info(fields, refusal.message);
    else this.options.logger.warn(fields, refusal.message);
    return refusal;
  }

  private async sendSubscribe(filters: string[]): Promise<void> {
    const granted = await this.client.subscribeAsync(filters, { qos: 1 });
    const refused = granted.filter((g) => g.qos === 128).map((g) => g.topic);
    if (refused.length > 0) {
      throw new CamlinkError(
        'DEVICE_SUBSCRIBE_REFUSED',
        `the endpoint refused the subscription to ${refused.join(', ')}`,
      );
    }
  }
}

function newAttempt(): AttemptOutcome {
  return { connectSent: false, connackCode: undefined, failed: false };
}

function offline(reason: string, cause?: unknown): CamlinkError {
  return new CamlinkError('DEVICE_OFFLINE', `the MQTT session is not up: ${reason}`, {
    ...(cause === undefined ? {} : { cause }),
  });
}
