/**
 * The camera agent's cloud side, composed: its MQTT session (session.ts: mutual TLS as its thing,
 * persistent session, jittered reconnects that also cover the JITP first connect), the PUT of a picture
 * to a handed-over target (uploader.ts), the announcement through the durable outbox (outbox.ts): PUT,
 * then record the notification on disk, then publish it (QoS 1) and forget it only after the PUBACK;
 * and upload-URL requests over MQTT for a camera online without the app (upload-url-request.ts).
 */
import type https from 'node:https';
import { basename } from 'node:path';
import { topics } from '../contracts/topics.js';
import type { UploadNotification } from '../contracts/upload-notification.js';
import type { UploadUrlRequest } from '../contracts/upload-url.js';
import type { Logger } from '../log/logger.js';
import type { Clock, RandomBytes } from '../util/clock.js';
import { Outbox } from './outbox.js';
import { DeviceSession, type BackoffPolicy, type Timers } from './session.js';
import { UploadUrlRequester } from './upload-url-request.js';
import { putFile, type PutResult, type PutTarget } from './uploader.js';

export interface AgentOptions {
  readonly deviceId: string;
  /** mqtts://host:port of the IoT data endpoint. */
  readonly mqttUrl: string;
  readonly cert: Buffer | string;
  readonly key: Buffer | string;
  /** Extra trust anchor (the embedded platform's CA); the system roots otherwise. */
  readonly ca?: Buffer;
  /** AWS IoT Core on port 443 needs ALPN "x-amzn-mqtt-ca" (session.ts). */
  readonly alpn443?: boolean;
  readonly outboxDir: string;
  /** For the PUT: trusts the store's CA, keeps connections alive. */
  readonly httpsAgent?: https.Agent;
  readonly clock: Clock;
  readonly random?: RandomBytes;
  /** Reconnect waits (default 1 s base, 30 s cap) and the timers they run on (tests: a fake clock). */
  readonly backoff?: BackoffPolicy;
  readonly reconnectTimers?: Timers;
  /** Upload-URL requests over MQTT fail after this long without an answer (default 10,000 ms). */
  readonly requestTimeoutMs?: number;
  readonly logger: Logger;
  /** Called after the endpoint acknowledged (PUBACK) a notification, before it leaves the outbox. */
  readonly onAnnounced?: (notification: UploadNotification) => void;
}

/** What the backend handed over (POST /v1/devices/{id}/uploads, or MQTT upload-url/accepted). */
export interface UploadTarget {
  readonly uploadId: string;
  readonly bucket: string;
  readonly key: string;
  readonly url: string;
  readonly put: PutTarget;
}

export class CameraAgent {
  private draining: Promise<void> = Promise.resolve();
  private readonly requester: UploadUrlRequester;

  private constructor(
    private readonly options: AgentOptions,
    readonly outbox: Outbox,
    readonly session: DeviceSession,
  ) {
    this.requester = new UploadUrlRequester({
      deviceId: options.deviceId,
      session,
      ...(options.requestTimeoutMs === undefined ? {} : { timeoutMs: options.requestTimeoutMs }),
      ...(options.random ? { random: options.random } : {}),
      logger: options.logger,
    });
    session.on('connected', () => void this.drain());
  }

  /** Opens the outbox, then the MQTT session (which drains the outbox on every connect). */
  static async start(options: AgentOptions): Promise<CameraAgent> {
    const outbox = await Outbox.open(options.outboxDir, options.logger);
    const session = DeviceSession.open({
      deviceId: options.deviceId,
      mqttUrl: options.mqttUrl,
      cert: options.cert,
      key: options.key,
      ...(options.ca ? { ca: options.ca } : {}),
      ...(options.alpn443 ? { alpn443: true } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.reconnectTimers ? { timers: options.reconnectTimers } : {}),
      ...(options.random ? { random: options.random } : {}),
      logger: options.logger,
    });
    return new CameraAgent(options, outbox, session);
  }

  get connected(): boolean {
    return this.session.connected;
  }

  /** Resolves when connected (now or after the next successful CONNECT). */
  waitConnected(): Promise<void> {
    return this.session.waitConnected();
  }

  /**
   * Asks the backend for an upload target over MQTT (no app involved): UPLOAD_URL_REJECTED with the
   * backend's code in details.code (details.retryable: ask again later, e.g. STORAGE_FULL),
   * UPLOAD_URL_TIMEOUT, or DEVICE_OFFLINE when the session is down.
   */
  requestUploadUrl(input: Omit<UploadUrlRequest, 'clientToken'>): Promise<UploadTarget> {
    return this.requester.request(input);
  }

  /**
   * PUTs the file to the target, records the notification in the outbox, and publishes it when the
   * session is up (now, or after a reconnect or a restart of the agent).
   */
  async uploadAndAnnounce(
    file: string,
    target: UploadTarget,
    options: { contentType: string; capturedAt?: Date; onProgress?: (sent: number, total: number) => void },
  ): Promise<{ put: PutResult; notification: UploadNotification }> {
    const put = await putFile({
      file,
      target: target.put,
      clock: this.options.clock,
      ...(this.options.httpsAgent ? { agent: this.options.httpsAgent } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const now = this.options.clock.now().toISOString();
    const notification: UploadNotification = {
      uploadId: target.uploadId,
      deviceId: this.options.deviceId,
      bucket: target.bucket,
      key: target.key,
      url: target.url,
      size: put.size,
      sha256: put.sha256,
      contentType: options.contentType,
      capturedAt: (options.capturedAt ?? this.options.clock.now()).toISOString(),
      uploadedAt: now,
    };
    await this.outbox.add(notification);
    this.options.logger.info({ uploadId: target.uploadId, file: basename(file), size: put.size }, 'uploaded');
    void this.drain();
    return { put, notification };
  }

  /** Publishes what the outbox holds, one drain at a time; failures wait for the next connect. */
  drain(): Promise<void> {
    this.draining = this.draining.then(async () => {
      if (!this.session.connected) return;
      try {
        const n = await this.outbox.drain(async (notification) => {
          await this.session.publish(topics.uploads(this.options.deviceId), JSON.stringify(notification), 1);
          this.options.onAnnounced?.(notification);
        });
        if (n > 0) this.options.logger.info({ published: n }, 'announced uploads');
      } catch (err) {
        this.options.logger.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'announcing paused',
        );
      }
    });
    return this.draining;
  }

  /** Closes the session; an unpublished notification stays in the outbox for the next start. */
  async stop(): Promise<void> {
    await this.session.stop();
    await this.draining;
  }
}
