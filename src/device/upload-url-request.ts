/**
 * The camera's side of the upload-URL request/response over MQTT (src/contracts/upload-url.ts): publish
 * a request with a fresh clientToken on camlink/devices/{id}/upload-url/request, then wait for the answer
 * with the same token on .../accepted or .../rejected, as AWS IoT's own request/response topics work.
 * Answers for other tokens (another request, a replay after a reconnect) and malformed answers are
 * ignored; a request with no answer within its timeout fails with UPLOAD_URL_TIMEOUT.
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
import type { DeviceSession, Timers } from './session.js';
import { systemTimers } from './session.js';
import type { UploadTarget } from './agent.js';

export const DEFAULT_UPLOAD_URL_TIMEOUT_MS = 10_000;

export interface UploadUrlRequesterOptions {
  readonly deviceId: string;
  readonly session: DeviceSession;
  /** From PUBLISH to the answer (default 10,000 ms). */
  readonly timeoutMs?: number;
  readonly timers?: Timers;
  readonly random?: RandomBytes;
  readonly logger: Logger;
}

interface Pending {
  resolve(target: UploadTarget): void;
  reject(err: Error): void;
}

export class UploadUrlRequester {
  private readonly pending = new Map<string, Pending>();
  private readonly accepted: string;
  private readonly rejected: string;

  constructor(private readonly options: UploadUrlRequesterOptions) {
    this.accepted = topics.uploadUrlAccepted(options.deviceId);
    this.rejected = topics.uploadUrlRejected(options.deviceId);
    options.session.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  /** Asks the backend for a pre-signed PUT; `size` and `sha256`, when given, are signed into it. */
  async request(input: Omit<UploadUrlRequest, 'clientToken'>): Promise<UploadTarget> {
    const clientToken = Buffer.from((this.options.random ?? systemRandom)(16)).toString('hex');
    const parsed = uploadUrlRequestSchema.safeParse({ ...input, clientToken });
    if (!parsed.success) {
      throw new CamlinkError('VALIDATION_FAILED', `upload-URL request: ${parsed.error.issues[0]?.message}`);
    }
    await this.options.session.subscribe([this.accepted, this.rejected]);
    const timers = this.options.timers ?? systemTimers;
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_UPLOAD_URL_TIMEOUT_MS;
    const answer = new Promise<UploadTarget>((resolve, reject) => {
      const timer = timers.set(() => {
        this.pending.delete(clientToken);
        reject(new CamlinkError('UPLOAD_URL_TIMEOUT', `no upload-URL answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(clientToken, {
        resolve: (target) => {
          timers.clear(timer);
          resolve(target);
        },
        reject: (err) => {
          timers.clear(timer);
          reject(err);
        },
      });
    });
    // The answer (or the timeout) may settle while the PUBLISH still waits for its PUBACK.
    answer.catch(() => undefined);
    try {
      await this.options.session.publish(
        topics.uploadUrlRequest(this.options.deviceId),
        JSON.stringify(parsed.data),
      );
    } catch (err) {
      this.settle(clientToken)?.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return answer;
  }

  private settle(clientToken: string | undefined): Pending | undefined {
    if (clientToken === undefined) return undefined;
    const pending = this.pending.get(clientToken);
    this.pending.delete(clientToken);
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
