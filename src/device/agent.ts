/**
 * The camera agent's cloud side: its MQTT session (mutual TLS as its thing, MQTT 3.1.1, persistent
 * session, reconnect with jittered exponential backoff; the endpoint drops a new certificate's first
 * connection while it provisions it, as AWS IoT does, and the backoff covers that), the PUT of a picture
 * to a handed-over target, and the announcement through the durable outbox: PUT, then record the
 * notification on disk, then publish it (QoS 1) and forget it only after the PUBACK.
 */
import type https from 'node:https';
import { basename } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { topics } from '../contracts/topics.js';
import type { UploadNotification } from '../contracts/upload-notification.js';
import type { Logger } from '../log/logger.js';
import type { Clock, RandomBytes } from '../util/clock.js';
import { systemRandom } from '../util/clock.js';
import { Outbox } from './outbox.js';
import { putFile, type PutResult, type PutTarget } from './uploader.js';

export interface AgentOptions {
  readonly deviceId: string;
  /** mqtts://host:port of the IoT data endpoint. */
  readonly mqttUrl: string;
  readonly cert: Buffer | string;
  readonly key: Buffer | string;
  /** Extra trust anchor (the embedded platform's CA); the system roots otherwise. */
  readonly ca?: Buffer;
  /** AWS IoT Core on port 443 needs ALPN "x-amzn-mqtt-ca". */
  readonly alpn443?: boolean;
  readonly outboxDir: string;
  readonly httpsAgent?: https.Agent;
  readonly clock: Clock;
  readonly random?: RandomBytes;
  readonly logger: Logger;
}

/** What the backend handed over (POST /v1/devices/{id}/uploads, or MQTT upload-url/accepted). */
export interface UploadTarget {
  readonly uploadId: string;
  readonly bucket: string;
  readonly key: string;
  readonly url: string;
  readonly put: PutTarget;
}

export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 30_000;

/** Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform in [0, min(cap, base*2^n)]. */
export function backoffMs(attempt: number, random: RandomBytes): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 16));
  const r = Buffer.from(random(4)).readUInt32BE(0) / 0x1_0000_0000;
  // At least 1 s: the endpoint allows one CONNECT per second per client id.
  return Math.max(1_000, Math.floor(r * ceiling));
}

export class CameraAgent {
  readonly client: MqttClient;
  private draining: Promise<void> = Promise.resolve();
  private failures = 0;

  private constructor(
    private readonly options: AgentOptions,
    readonly outbox: Outbox,
  ) {
    const url = new URL(options.mqttUrl);
    const random = options.random ?? systemRandom;
    this.client = mqtt.connect(options.mqttUrl, {
      protocolVersion: 4,
      clientId: options.deviceId,
      clean: false,
      keepalive: 60,
      reconnectPeriod: BACKOFF_BASE_MS,
      connectTimeout: 10_000,
      cert: options.cert,
      key: options.key,
      ...(options.ca ? { ca: options.ca } : {}),
      servername: url.hostname === '127.0.0.1' ? 'localhost' : url.hostname,
      ...(options.alpn443 ? { ALPNProtocols: ['x-amzn-mqtt-ca'] } : {}),
      rejectUnauthorized: true,
    });
    this.client.on('connect', () => {
      this.failures = 0;
      options.logger.info({ deviceId: options.deviceId }, 'camera connected');
      void this.drain();
    });
    this.client.on('close', () => {
      this.client.options.reconnectPeriod = backoffMs(this.failures++, random);
    });
    this.client.on('error', (err) => options.logger.warn({ err: err.message }, 'camera MQTT error'));
  }

  static async start(options: AgentOptions): Promise<CameraAgent> {
    return new CameraAgent(options, await Outbox.open(options.outboxDir, options.logger));
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Resolves when connected (now or after the next successful CONNECT). */
  waitConnected(): Promise<void> {
    if (this.client.connected) return Promise.resolve();
    return new Promise((resolve) => this.client.once('connect', () => resolve()));
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
      if (!this.client.connected) return;
      try {
        const n = await this.outbox.drain(async (notification) => {
          await this.client.publishAsync(
            topics.uploads(this.options.deviceId),
            JSON.stringify(notification),
            {
              qos: 1,
            },
          );
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

  async stop(): Promise<void> {
    await this.draining;
    await this.client.endAsync(true);
  }
}
