/**
 * Thumbnails off the reconciler's path. A completed picture is announced (upload.completed) at once
 * and handed here; the thumbnailer makes its thumbnail (thumbnails.ts) with its own concurrency and
 * announces `upload.thumbnail` to the same audience when the JPEG is stored, so a gallery shows the
 * picture itself until then. Making a thumbnail means a GET (unless the reconciler's bytes came along)
 * and a PUT on the object store, each with its fsyncs: inline, it held a reconciler slot for the length
 * of both and halved the notifications reconciled per second (docs/benchmarks.md, camlink sim).
 *
 * Bounded: at most `maxQueued` pictures wait, and the bytes handed over are held up to `maxQueuedBytes`
 * in all (past it a job keeps only the key and reads the picture again when its turn comes). A picture
 * that finds the queue full gets no thumbnail (counted and logged: the gallery shows the picture).
 * Stopping waits for the thumbnails being made; the ones still waiting are dropped and counted.
 */
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../../log/logger.js';
import type { ObjectStore } from '../cloud/types.js';
import { createThumbnail, thumbnailKey, type ThumbnailSettings } from './thumbnails.js';

export interface ThumbnailJob {
  readonly upload: {
    readonly uploadId: string;
    readonly deviceId: string;
    readonly bucket: string;
    readonly key: string;
    readonly contentType: string;
  };
  /** Who learns of the thumbnail (the upload.completed audience). */
  readonly userId: string | undefined;
  /** The picture's bytes when the reconciler read them already. */
  readonly bytes?: Buffer;
}

export interface ThumbnailerSettings extends ThumbnailSettings {
  /** Thumbnails made at once. */
  readonly concurrency: number;
  /** Pictures waiting for their thumbnail before more are skipped. */
  readonly maxQueued: number;
  /** Bytes of pictures held for waiting jobs (past it they are read again from the store). */
  readonly maxQueuedBytes: number;
}

export interface ThumbnailerDeps {
  readonly objects: ObjectStore;
  readonly settings: ThumbnailerSettings;
  readonly logger: Logger;
  /** Called when a thumbnail is stored (the backend publishes upload.thumbnail). */
  readonly made: (job: ThumbnailJob, thumbnailKey: string) => void;
  readonly registry?: Registry;
}

type Outcome = 'made' | 'failed' | 'skipped' | 'dropped';

export class Thumbnailer {
  /** Outcomes so far. */
  readonly stats: Record<Outcome, number> = { made: 0, failed: 0, skipped: 0, dropped: 0 };
  private readonly waiting: ThumbnailJob[] = [];
  private queuedBytes = 0;
  private running = 0;
  private stopped = false;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly outcomes: Counter<'outcome'>;
  private lastSkipLog = 0;

  constructor(private readonly deps: ThumbnailerDeps) {
    this.outcomes = new Counter({
      name: 'camlink_backend_thumbnails_total',
      help: 'Thumbnails of completed pictures, by outcome (made, failed, skipped: queue full, dropped: stopped).',
      labelNames: ['outcome'],
      registers: deps.registry ? [deps.registry] : [],
    });
  }

  /** Pictures waiting for their thumbnail now. */
  get queued(): number {
    return this.waiting.length;
  }

  get settings(): ThumbnailerSettings {
    return this.deps.settings;
  }

  /** Takes a completed picture; never waits. */
  enqueue(job: ThumbnailJob): void {
    if (this.stopped) return this.count('dropped');
    const { maxQueued, maxQueuedBytes } = this.deps.settings;
    if (this.waiting.length >= maxQueued) {
      this.count('skipped');
      const now = Date.now();
      if (now - this.lastSkipLog >= 10_000) {
        this.lastSkipLog = now;
        this.deps.logger.warn(
          { uploadId: job.upload.uploadId, queued: this.waiting.length, skipped: this.stats.skipped },
          'thumbnail skipped: the thumbnail queue is full (raise backend.thumbnails.concurrency)',
        );
      }
      return;
    }
    let kept = job;
    if (job.bytes !== undefined) {
      if (this.queuedBytes + job.bytes.length > maxQueuedBytes) {
        kept = { upload: job.upload, userId: job.userId };
      } else {
        this.queuedBytes += job.bytes.length;
      }
    }
    this.waiting.push(kept);
    this.pump();
  }

  /** Resolves when nothing waits and nothing is being made. */
  idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Finishes the thumbnails being made; drops the waiting ones. */
  async stop(): Promise<void> {
    this.stopped = true;
    const dropped = this.waiting.splice(0);
    this.queuedBytes = 0;
    for (let i = 0; i < dropped.length; i++) this.count('dropped');
    if (dropped.length > 0) {
      this.deps.logger.info({ dropped: dropped.length }, 'stopping: waiting thumbnails dropped');
    }
    await this.idle();
  }

  private pump(): void {
    while (this.running < this.deps.settings.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift();
      if (job === undefined) break;
      if (job.bytes !== undefined) this.queuedBytes -= job.bytes.length;
      this.running++;
      void this.make(job).finally(() => {
        this.running--;
        this.pump();
        if (this.running === 0 && this.waiting.length === 0) {
          for (const resolve of this.idleWaiters.splice(0)) resolve();
        }
      });
    }
  }

  private async make(job: ThumbnailJob): Promise<void> {
    const made = await createThumbnail(
      this.deps.objects,
      job.upload,
      this.deps.settings,
      this.deps.logger,
      job.bytes,
    );
    if (!made) return this.count('failed');
    this.count('made');
    try {
      this.deps.made(job, thumbnailKey(job.upload.key));
    } catch (err) {
      this.deps.logger.error({ err, uploadId: job.upload.uploadId }, 'announcing a thumbnail failed');
    }
  }

  private count(outcome: Outcome): void {
    this.stats[outcome]++;
    this.outcomes.inc({ outcome });
  }
}
