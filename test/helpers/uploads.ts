/**
 * Upload fixtures for reconciliation tests: pending upload rows (as the upload-URL code records them),
 * objects PUT with @aws-sdk/client-s3, notifications shaped as the upload rule queues them, a
 * reconciler (the real consumer on the real queue) whose outcomes and events a test awaits, and the
 * sweeper on timers the test fires.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import type { TestContext } from 'node:test';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Registry } from 'prom-client';
import { dependencyProbe } from '../../src/backend/uploads/breaker.js';
import { UploadConsumer, type HandledNotification } from '../../src/backend/uploads/consumer.js';
import { reconcile } from '../../src/backend/uploads/reconcile.js';
import { UploadSweeper, type SweepSummary, type SweepTimers } from '../../src/backend/uploads/sweeper.js';
import { Thumbnailer } from '../../src/backend/uploads/thumbnailer.js';
import type { BackendEvent } from '../../src/backend/events/hub.js';
import type { BackendStore, Upload } from '../../src/backend/store/types.js';
import type { BackendServices } from '../../src/backend/cloud/types.js';
import type { QueuedUploadNotification } from '../../src/contracts/upload-notification.js';
import { createLogger } from '../../src/log/logger.js';
import type { TestBackend } from './backend-app.js';
import { sdkOptions } from './aws.js';

export interface UploadKit {
  s3: S3Client;
  sqs: SQSClient;
  ca: Buffer;
  /** A pending upload row for the device, as the upload-URL code creates it. */
  pending(deviceId: string, options?: Partial<Upload>): Promise<Upload>;
  /**
   * PUTs bytes at the upload's key: with `checksum`, through the S3 SDK with ChecksumAlgorithm SHA256
   * (the store keeps x-amz-checksum-sha256); otherwise as a camera does, with a pre-signed URL and an
   * unsigned payload (the store keeps no SHA-256, so the reconciler has to hash the object).
   */
  put(upload: Upload, bytes: Buffer, options?: { checksum?: boolean; contentType?: string }): Promise<void>;
  /** The queue message the upload rule makes of a correct notification for these bytes. */
  notification(
    upload: Upload,
    bytes: Buffer,
    overrides?: Partial<Record<keyof QueuedUploadNotification, unknown>>,
  ): QueuedUploadNotification;
  /** SendMessage to the upload queue; returns the message id. */
  send(body: unknown): Promise<string>;
  /** Visible and in-flight messages on a queue (the upload queue by default). */
  queueCounts(queueUrl?: string): Promise<{ visible: number; notVisible: number }>;
}

export async function uploadKit(t: TestContext, b: TestBackend): Promise<UploadKit> {
  const { endpoints } = b.platform;
  const ca = await readFile(endpoints.caPath);
  const s3 = new S3Client({
    ...sdkOptions(endpoints.s3, ca, endpoints.credentials),
    forcePathStyle: true,
    // No default CRC32: a test chooses whether the store keeps a SHA-256.
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const sqs = new SQSClient(sdkOptions(endpoints.sqs, ca, endpoints.credentials));
  t.after(() => {
    s3.destroy();
    sqs.destroy();
  });
  const now = () => b.clock.now().getTime();
  return {
    s3,
    sqs,
    ca,
    async pending(deviceId, options = {}) {
      const uploadId = options.uploadId ?? `up-${randomBytes(6).toString('hex')}`;
      const upload: Upload = {
        uploadId,
        deviceId,
        userId: undefined,
        requestedBy: 'app',
        bucket: b.config.backend.uploads.bucket,
        key: `devices/${deviceId}/${uploadId}.jpg`,
        contentType: 'image/jpeg',
        maxSize: b.config.backend.uploads.maxBytes,
        declaredSha256: undefined,
        status: 'pending',
        size: undefined,
        sha256: undefined,
        url: undefined,
        capturedAt: undefined,
        createdAt: now(),
        expiresAt: now() + b.config.backend.uploads.putUrlTtlSeconds * 1000,
        completedAt: undefined,
        rejectedReason: undefined,
        deletedAt: undefined,
        ...options,
      };
      await b.store.createUpload(upload);
      return upload;
    },
    async put(upload, bytes, options = {}) {
      const contentType = options.contentType ?? upload.contentType;
      if (options.checksum !== true) {
        const signed = await b.services.presigner.presign({
          method: 'PUT',
          bucket: upload.bucket,
          key: upload.key,
          expiresInSeconds: 300,
          contentType,
        });
        const status = await new Promise<number | undefined>((resolve, reject) => {
          const req = https.request(
            signed.url,
            { method: 'PUT', ca, headers: { ...signed.headers, 'content-length': bytes.length } },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode));
            },
          );
          req.on('error', reject);
          req.end(bytes);
        });
        if (status !== 200) throw new Error(`pre-signed PUT answered ${status}`);
        return;
      }
      await s3.send(
        new PutObjectCommand({
          Bucket: upload.bucket,
          Key: upload.key,
          Body: bytes,
          ContentType: contentType,
          ChecksumAlgorithm: 'SHA256',
        }),
      );
    },
    notification(upload, bytes, overrides = {}) {
      return {
        uploadId: upload.uploadId,
        deviceId: upload.deviceId,
        bucket: upload.bucket,
        key: upload.key,
        url: b.services.objects.objectUrl(upload.bucket, upload.key),
        size: bytes.length,
        sha256: sha256(bytes),
        contentType: upload.contentType,
        capturedAt: new Date(now() - 60_000).toISOString(),
        uploadedAt: new Date(now()).toISOString(),
        clientId: upload.deviceId,
        receivedAt: now(),
        ...overrides,
      } as QueuedUploadNotification;
    },
    async send(body) {
      const out = await sqs.send(
        new SendMessageCommand({
          QueueUrl: endpoints.uploadQueueUrl,
          MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      );
      return out.MessageId ?? '';
    },
    async queueCounts(queueUrl = endpoints.uploadQueueUrl) {
      const out = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return {
        visible: Number(out.Attributes?.ApproximateNumberOfMessages),
        notVisible: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible),
      };
    },
  };
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface TestReconciler {
  consumer: UploadConsumer;
  registry: Registry;
  logLines: string[];
  /** Every event the hub published (any user), in order. */
  events: { userId: string; event: BackendEvent }[];
  /** Resolves with the next handled notification matching `match` (already handled ones count). */
  handled(match: (h: HandledNotification) => boolean): Promise<HandledNotification>;
  /** Resolves with the first published event matching `match` (already published ones count). */
  event(match: (e: BackendEvent, userId: string) => boolean): Promise<BackendEvent>;
}

/** The real consumer on the platform's upload queue, reconciling into the test backend's store and hub. */
export function startReconciler(
  t: TestContext,
  b: TestBackend,
  options: {
    retryDelaySeconds?: (receiveCount: number) => number;
    start?: boolean;
    /** The store the reconciler (and its probe) uses; default the test backend's. */
    store?: BackendStore;
    probeDelayMs?: (attempt: number) => number;
    maxRequeues?: number;
    /** Every log line also goes here, parsed (as it is written). */
    onLog?: (line: Record<string, unknown>) => void;
  } = {},
): TestReconciler {
  const registry = new Registry();
  const logLines: string[] = [];
  const logger = createLogger(
    { level: 'debug' },
    {
      write: (line) => {
        logLines.push(line.trimEnd());
        options.onLog?.(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  const store = options.store ?? b.store;
  const consumer = new UploadConsumer({
    sqs: b.services.sqs,
    queueUrl: b.services.uploadQueueUrl,
    batchSize: 10,
    waitTimeSeconds: 1,
    concurrency: 4,
    logger,
    registry,
    ...(options.retryDelaySeconds ? { retryDelaySeconds: options.retryDelaySeconds } : {}),
    ...(options.probeDelayMs ? { probeDelayMs: options.probeDelayMs } : {}),
    ...(options.maxRequeues === undefined ? {} : { maxRequeues: options.maxRequeues }),
    probe: dependencyProbe({
      store,
      objects: b.services.objects,
      bucket: b.config.backend.uploads.bucket,
      clock: b.clock,
    }),
    reconcile: (body) =>
      reconcile({ store, clock: b.clock, logger, services: b.services, events: b.events }, body),
  });
  const handled: HandledNotification[] = [];
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((w) => w());
  consumer.onHandled((h) => {
    handled.push(h);
    wake();
  });
  const events: { userId: string; event: BackendEvent }[] = [];
  const detach = b.events.onPublish((event, userId) => {
    events.push({ userId, event });
    wake();
  });
  const waitFor = <T>(find: () => T | undefined): Promise<T> =>
    new Promise((resolve) => {
      const check = () => {
        const found = find();
        if (found === undefined) return;
        waiters.delete(check);
        resolve(found);
      };
      waiters.add(check);
      check();
    });
  if (options.start !== false) consumer.start();
  t.after(async () => {
    detach();
    await consumer.stop();
  });
  return {
    consumer,
    registry,
    logLines,
    events,
    handled: (match) => waitFor(() => handled.find(match)),
    event: (match) => waitFor(() => events.find((e) => match(e.event, e.userId))?.event),
  };
}

/** Timers a test fires itself: the sweeper's next pass runs when the test says so, never by waiting. */
export class ManualTimers implements SweepTimers {
  private readonly pending = new Map<object, { fn: () => void; ms: number }>();
  private waiters: (() => void)[] = [];

  set(fn: () => void, ms: number): unknown {
    const handle = {};
    this.pending.set(handle, { fn, ms });
    for (const wake of this.waiters.splice(0)) wake();
    return handle;
  }

  clear(handle: unknown): void {
    if (typeof handle === 'object' && handle !== null) this.pending.delete(handle);
  }

  /** The delays of the timers set and not yet fired. */
  get delays(): number[] {
    return [...this.pending.values()].map((p) => p.ms);
  }

  /** Resolves once a timer is pending. */
  async armed(): Promise<void> {
    while (this.pending.size === 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Fires every pending timer, once one is set. */
  async fire(): Promise<void> {
    await this.armed();
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const p of due) p.fn();
  }
}

export interface TestSweeper {
  sweeper: UploadSweeper;
  timers: ManualTimers;
  registry: Registry;
  logLines: string[];
  /** Fires the sweeper's timer; resolves with the summary of the pass it ran, once the next is timed. */
  sweep(): Promise<SweepSummary>;
}

/**
 * The sweeper as startBackend runs it (the reconciler's dependencies, a thumbnailer when
 * `thumbnails`), started on timers the test fires, and stopped when the test ends.
 */
export function startSweeper(
  t: TestContext,
  b: TestBackend,
  options: {
    thumbnails?: boolean;
    batchSize?: number;
    /** Stand-ins for the backend's store or services (failure injection). */
    store?: BackendStore;
    services?: Pick<BackendServices, 'objects'>;
  } = {},
): TestSweeper {
  const registry = new Registry();
  const logLines: string[] = [];
  const logger = createLogger({ level: 'debug' }, { write: (line) => void logLines.push(line.trimEnd()) });
  const thumbnailer =
    options.thumbnails === true
      ? new Thumbnailer({
          objects: b.services.objects,
          settings: b.config.backend.thumbnails,
          logger,
          registry,
          made: (job, thumbnailKey) =>
            b.events.publish(job.userId, 'upload.thumbnail', {
              uploadId: job.upload.uploadId,
              deviceId: job.upload.deviceId,
              bucket: job.upload.bucket,
              thumbnailKey,
            }),
        })
      : undefined;
  const timers = new ManualTimers();
  const sweeper = new UploadSweeper(
    {
      store: options.store ?? b.store,
      clock: b.clock,
      logger,
      services: options.services ?? b.services,
      events: b.events,
      ...(thumbnailer === undefined ? {} : { thumbnailer }),
    },
    { intervalMs: 60_000, batchSize: options.batchSize ?? 100, timers, registry },
  );
  sweeper.start();
  t.after(async () => {
    await sweeper.stop();
    await thumbnailer?.stop();
  });
  return {
    sweeper,
    timers,
    registry,
    logLines,
    async sweep() {
      const summary = new Promise<SweepSummary>((resolve) => {
        const detach = sweeper.onPass((s) => {
          detach();
          resolve(s);
        });
      });
      await timers.fire();
      const done = await summary;
      await timers.armed();
      return done;
    },
  };
}
