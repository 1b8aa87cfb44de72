/**
 * The camera's side of the upload-URL request/response over MQTT (src/contracts/upload-url.ts): publish
 * a request with a fresh clientToken on camlink/devices/{id}/upload-url/request, then wait for the answer
 * with the same token on .../accepted or .../rejected, as AWS IoT's own request/response topics work.
 * Answers for other tokens (another request, a replay after a reconnect) and malformed answers are
 * ignored; a request with no answer within its timeout fails with UPLOAD_URL_TIMEOUT.
 *
 * A request can be lost without an error: the endpoint drops a message nobody is subscribed to (the
 * backend restarting or reconnecting: its session is clean and nothing is queued for a shared group).
 * So while no answer came the requester publishes the *same* request again (same clientToken), after
 * 1 s, 2 s, 4 s, 8 s, 8 s ... (`republish`) and at once on every reconnect of the session, until the
 * timeout. The backend answers a repeat with the answer of the first (one upload per clientToken,
 * src/backend/mqtt/upload-url-responder.ts), so a lost request costs about a second, not the timeout.
 */
import { topics } from '../contracts/topics.js';
import {
  uploadUrlAcceptedSchema,
  uploadUrlRejectedSchema,
  uploadUrlRequestSchema,
  type UploadUrlRequest,
} from '../contracts/upload-url.js';
import { CamlinkError } from '../errors/camlink-error.js';
import { errorRegistry, type ErrorCode } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import { systemRandom, type RandomBytes } from '../util/clock.js';
import type { DeviceSession, SessionEvents, Timers } from './session.js';
import { systemTimers } from './session.js';
import type { UploadTarget } from './agent.js';

export const DEFAULT_UPLOAD_URL_TIMEOUT_MS = 10_000;

/** Waits before republishing an unanswered request: firstMs, then doubling, at most capMs. */
export interface RepublishPolicy {
  readonly firstMs: number;
  readonly capMs: number;
}

export const DEFAULT_REPUBLISH: RepublishPolicy = { firstMs: 1_000, capMs: 8_000 };

/** What the requester uses of the session (a DeviceSession; tests pass a stand-in). */
export interface RequesterSession {
  readonly connected: boolean;
  publish: DeviceSession['publish'];
  subscribe: DeviceSession['subscribe'];
  on<K extends keyof SessionEvents>(event: K, listener: (...args: SessionEvents[K]) => void): unknown;
}

export interface UploadUrlRequesterOptions {
  readonly deviceId: string;
  readonly session: RequesterSession;
  /** From PUBLISH to the answer (default 10,000 ms). */
  readonly timeoutMs?: number;
  /** Republishing while no answer came (default 1 s, doubling, at most 8 s). */
  readonly republish?: RepublishPolicy;
  readonly timers?: Timers;
  readonly random?: RandomBytes;
  readonly logger: Logger;
}

interface Pending {
  readonly payload: string;
  /** Publishes of this request so far (the first one included). */
  publishes: number;
  /** Republishes the timer made (the next wait doubles with each). */
  timed: number;
  retryTimer: unknown;
  resolve(target: UploadTarget): void;
  reject(err: Error): void;
}

export class UploadUrlRequester {
  private readonly pending = new Map<string, Pending>();
  private readonly accepted: string;
  private readonly rejected: string;
  private readonly timers: Timers;
  private readonly topic: string;
  /** Republished requests (timer or reconnect), over this requester's life. */
  readonly stats = { republished: 0 };

  constructor(private readonly options: UploadUrlRequesterOptions) {
    this.accepted = topics.uploadUrlAccepted(options.deviceId);
    this.rejected = topics.uploadUrlRejected(options.deviceId);
    this.topic = topics.uploadUrlRequest(options.deviceId);
    this.timers = options.timers ?? systemTimers;
    options.session.on('message', (topic, payload) => this.onMessage(topic, payload));
    // A reconnect: whatever was published on the old connection may have gone nowhere.
    options.session.on('connected', () => {
      for (const [clientToken, pending] of this.pending) this.republish(clientToken, pending, 'reconnect');
    });
    // Nothing will come any more: pending requests fail now, not at their timeout.
    options.session.on('stopped', () => {
      for (const clientToken of [...this.pending.keys()]) {
        this.settle(clientToken)?.reject(
          new CamlinkError(
            'DEVICE_OFFLINE',
            'the MQTT session was stopped before the upload-URL answer came',
          ),
        );
      }
    });
  }

  /** Asks the backend for a pre-signed PUT; `size` and `sha256`, when given, are signed into it. */
  async request(input: Omit<UploadUrlRequest, 'clientToken'>): Promise<UploadTarget> {
    const clientToken = Buffer.from((this.options.random ?? systemRandom)(16)).toString('hex');
    const parsed = uploadUrlRequestSchema.safeParse({ ...input, clientToken });
    if (!parsed.success) {
      throw new CamlinkError('VALIDATION_FAILED', `upload-URL request: ${parsed.error.issues[0]?.message}`);
    }
    await this.options.session.subscribe([this.accepted, this.rejected]);
    const timers = this.timers;
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_UPLOAD_URL_TIMEOUT_MS;
    const payload = JSON.stringify(parsed.data);
    let entry: Pending | undefined;
    const answer = new Promise<UploadTarget>((resolve, reject) => {
      const timer = timers.set(() => {
        const pending = this.settle(clientToken);
        reject(
          new CamlinkError(
            'UPLOAD_URL_TIMEOUT',
            `no upload-URL answer within ${timeoutMs} ms (${pending?.publishes ?? 1} publishes of the request)`,
          ),
        );
      }, timeoutMs);
      entry = {
        payload,
        publishes: 1,
        timed: 0,
        retryTimer: undefined,
        resolve: (target) => {
          timers.clear(timer);
          resolve(target);
        },
        reject: (err) => {
          timers.clear(timer);
          reject(err);
        },
      };
      this.pending.set(clientToken, entry);
    });
    // The answer (or the timeout) may settle while the PUBLISH still waits for its PUBACK.
    answer.catch(() => undefined);
    if (entry !== undefined) this.scheduleRepublish(clientToken, entry);
    const wasConnected = this.options.session.connected;
    try {
      await this.options.session.publish(this.topic, payload);
    } catch (err) {
      // Offline from the start: the caller decides (its outbox, its schedule). Dropped after it was
      // sent: the reconnect republishes it.
      if (!wasConnected)
        this.settle(clientToken)?.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return answer;
  }

  private scheduleRepublish(clientToken: string, pending: Pending): void {
    const policy = this.options.republish ?? DEFAULT_REPUBLISH;
    const waitMs = Math.min(policy.capMs, policy.firstMs * 2 ** Math.min(pending.timed, 30));
    pending.retryTimer = this.timers.set(() => {
      if (this.pending.get(clientToken) !== pending) return;
      pending.timed++;
      this.republish(clientToken, pending, 'no answer');
      this.scheduleRepublish(clientToken, pending);
    }, waitMs);
  }

  private republish(clientToken: string, pending: Pending, why: string): void {
    // Offline: the reconnect republishes it.
    if (!this.options.session.connected) return;
    pending.publishes++;
    this.stats.republished++;
    this.options.logger.debug(
      { deviceId: this.options.deviceId, clientToken, publishes: pending.publishes, why },
      'upload-URL request republished',
    );
    this.options.session.publish(this.topic, pending.payload).catch(() => undefined);
  }

  private settle(clientToken: string | undefined): Pending | undefined {
    if (clientToken === undefined) return undefined;
    const pending = this.pending.get(clientToken);
    this.pending.delete(clientToken);
    if (pending !== undefined) {
      this.timers.clear(pending.retryTimer);
      if (pending.publishes > 1) {
        this.options.logger.info(
          { deviceId: this.options.deviceId, clientToken, publishes: pending.publishes },
          'upload-URL request settled after republishing',
        );
      }
    }
    return pending;
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic !== this.accepted && topic !== this.rejected) return;
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      this.options.logger.warn({ topic }, 'upload-URL answer is not JSON; ignored');
      return;
    }
    if (topic === this.accepted) {
      const answer = uploadUrlAcceptedSchema.safeParse(json);
      if (!answer.success) {
        this.options.logger.warn({ topic }, 'upload-URL answer does not match the contract; ignored');
        return;
      }
      const { clientToken, uploadId, bucket, key, url, put } = answer.data;
      this.settle(clientToken)?.resolve({
        uploadId,
        bucket,
        key,
        url,
        put: { url: put.url, headers: put.headers, expiresAt: put.expiresAt },
      });
      return;
    }
    const answer = uploadUrlRejectedSchema.safeParse(json);
    if (!answer.success) {
      this.options.logger.warn({ topic }, 'upload-URL rejection does not match the contract; ignored');
      return;
    }
    const { clientToken, code, message } = answer.data;
    // details.retryable: the backend's code is one to ask again for later (STORAGE_FULL, STORE_UNAVAILABLE).
    const retryable = Object.hasOwn(errorRegistry, code) && errorRegistry[code as ErrorCode].retryable;
    this.settle(clientToken)?.reject(
      new CamlinkError(
        'UPLOAD_URL_REJECTED',
        `the backend rejected the upload-URL request: ${code}: ${message}`,
        {
          details: { code, message, retryable },
        },
      ),
    );
  }
}
