/**
 * A handful of camera agents (the real CameraAgent: PUT, durable outbox, QoS 1 publish, reconnects)
 * driven by the test as cameras would be, for fault tests: each upload is issued through the backend
 * API, PUT and announced; a step that fails because the platform is down is retried once `ready()`
 * says it is back (a camera retries the same target while its URL is valid). Records what the contract
 * is about: which PUTs were acknowledged (2xx) with which bytes, and which notifications the endpoint
 * acknowledged (PUBACK).
 */
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import type https from 'node:https';
import { join } from 'node:path';
import type { BackendClient, IssuedUpload } from '../../src/app/backend-client.js';
import type { UploadNotification } from '../../src/contracts/upload-notification.js';
import { CameraAgent } from '../../src/device/agent.js';
import type { Timers } from '../../src/device/session.js';
import { isCamlinkError } from '../../src/errors/camlink-error.js';
import { createLogger } from '../../src/log/logger.js';
import type { ProvisionedCamera } from './app-world.js';

export interface UploadRecord {
  readonly uploadId: string;
  readonly deviceId: string;
  readonly key: string;
  readonly size: number;
  readonly sha256: string;
  /** PUT attempts that failed all their retries (the platform was down) before one succeeded. */
  failedPuts: number;
}

export interface FleetEvents {
  /** The endpoint acknowledged a notification (PUBACK); `total` counts distinct uploads so far. */
  announced: [info: { uploadId: string; total: number }];
}

export interface FleetOptions {
  readonly dir: string;
  readonly cameras: readonly ProvisionedCamera[];
  readonly mqttUrl: string;
  readonly ca: Buffer;
  readonly httpsAgent: https.Agent;
  /** Resolves when the platform is up (now, or after the restart in progress). */
  readonly ready: () => Promise<void>;
  /** Retries per step before the test gives up (a real failure, not an outage). */
  readonly maxRetries?: number;
  /** The agents' reconnect timers (tests: ones that move the endpoint's clock instead of waiting). */
  readonly reconnectTimers?: Timers;
}

export class CameraFleet extends EventEmitter<FleetEvents> {
  /** Uploads whose PUT the store acknowledged, by upload id. */
  readonly acknowledged = new Map<string, UploadRecord>();
  /** PUBACKs per upload id (more than one: a republish after a lost PUBACK). */
  readonly pubacks = new Map<string, number>();
  /** Failed upload-URL requests, retried (a lost answer leaves an unused pending upload behind). */
  issueRetries = 0;
  private readonly agents = new Map<string, CameraAgent>();

  private constructor(private readonly options: FleetOptions) {
    super();
  }

  static async start(options: FleetOptions): Promise<CameraFleet> {
    const fleet = new CameraFleet(options);
    for (const camera of options.cameras) {
      const agent = await CameraAgent.start({
        deviceId: camera.deviceId,
        mqttUrl: options.mqttUrl,
        cert: camera.certificatePem,
        key: camera.keyPem,
        ca: options.ca,
        outboxDir: join(options.dir, camera.deviceId, 'outbox'),
        httpsAgent: options.httpsAgent,
        clock: { now: () => new Date() },
        // The endpoint takes one CONNECT per second per client id; a short cap keeps outages short.
        backoff: { baseMs: 1_000, capMs: 2_000 },
        ...(options.reconnectTimers ? { reconnectTimers: options.reconnectTimers } : {}),
        logger: createLogger({ level: 'silent' }),
        onAnnounced: (n) => fleet.onPuback(n),
      });
      fleet.agents.set(camera.deviceId, agent);
    }
    await Promise.all([...fleet.agents.values()].map((a) => a.waitConnected()));
    return fleet;
  }

  agent(deviceId: string): CameraAgent {
    const agent = this.agents.get(deviceId);
    if (agent === undefined) throw new Error(`no camera ${deviceId}`);
    return agent;
  }

  /** `count` uploads of distinct small payloads from one camera, one after the other. */
  async run(operator: BackendClient, deviceId: string, count: number, bytes = 2048): Promise<void> {
    const dir = join(this.options.dir, deviceId, 'pictures');
    await mkdir(dir, { recursive: true });
    for (let i = 0; i < count; i++) {
      const payload = Buffer.concat([Buffer.from(`${deviceId}/${i}/`), randomBytes(bytes)]);
      const file = join(dir, `IMG_${String(i).padStart(4, '0')}.JPG`);
      await writeFile(file, payload);
      await this.upload(operator, deviceId, file, payload);
    }
  }

  /** Every camera's outbox is empty: each acknowledged PUT was announced and PUBACKed. */
  async outboxesEmpty(): Promise<boolean> {
    for (const agent of this.agents.values()) {
      await agent.waitConnected();
      await agent.drain();
      if ((await agent.outbox.pending()).length > 0) return false;
    }
    return true;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.stop()));
  }

  private async upload(
    operator: BackendClient,
    deviceId: string,
    file: string,
    payload: Buffer,
  ): Promise<void> {
    const sha256 = createHash('sha256').update(payload).digest('hex');
    const target: IssuedUpload = await this.retrying(async () => {
      try {
        return await operator.issueUpload(deviceId, {
          contentType: 'image/jpeg',
          size: payload.length,
          sha256,
        });
      } catch (err) {
        this.issueRetries++;
        throw err;
      }
    });
    let failedPuts = 0;
    await this.retrying(async () => {
      try {
        await this.agent(deviceId).uploadAndAnnounce(file, target, { contentType: 'image/jpeg' });
      } catch (err) {
        // Only an exhausted PUT is retried; a refusal (4xx) or anything else is a real failure.
        if (!isCamlinkError(err) || err.code !== 'DEVICE_UPLOAD_FAILED') throw new Fatal(err);
        failedPuts++;
        throw err;
      }
    });
    this.acknowledged.set(target.uploadId, {
      uploadId: target.uploadId,
      deviceId,
      key: target.key,
      size: payload.length,
      sha256,
      failedPuts,
    });
  }

  private async retrying<T>(step: () => Promise<T>): Promise<T> {
    const max = this.options.maxRetries ?? 10;
    for (let attempt = 1; ; attempt++) {
      await this.options.ready();
      try {
        return await step();
      } catch (err) {
        if (err instanceof Fatal) throw err.cause;
        if (attempt >= max) throw err;
      }
    }
  }

  private onPuback(n: UploadNotification): void {
    const seen = this.pubacks.get(n.uploadId) ?? 0;
    this.pubacks.set(n.uploadId, seen + 1);
    this.emit('announced', { uploadId: n.uploadId, total: this.pubacks.size });
  }
}

class Fatal extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}
