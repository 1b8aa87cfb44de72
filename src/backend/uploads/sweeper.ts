/**
 * The upload sweeper: decides pending uploads whose notification never came (a camera that died
 * between the store's commit and its outbox write, a notification dead-lettered, an upload URL never
 * used). Every `intervalMs` (after the previous pass ended) it takes the pending uploads whose PUT URL
 * expired more than MISSING_OBJECT_GRACE_MS ago — no PUT can start or finish any more — oldest expiry
 * first, at most `batchSize`, and decides each exactly as a notification would, with the reconciler's
 * own code (reconcile.ts):
 *
 * - the object is there and matches the row (size within maxSize, content type, the declared SHA-256)
 *   -> completeVerified: one atomic completion, upload.completed, the thumbnail;
 * - the object is there but does not match -> rejected with the reconciler's reason, object deleted;
 * - no object -> rejected `object-missing`.
 *
 * Replica-safe: the store decides (completeUpload and rejectUpload are conditional UPDATEs on a pending
 * row), so two sweepers, or a sweeper and a late notification, decide an upload once: the other gets
 * `duplicate` (same object) or `conflict` and changes nothing, publishes nothing, deletes nothing.
 *
 * A pass that cannot list its work (the store is down) is logged and tried again at the next interval;
 * an upload that cannot be decided (an S3 or store error) is logged and met again on a later pass.
 */
import { Counter, type Registry } from 'prom-client';
import type { Upload } from '../store/types.js';
import {
  completeVerified,
  examineObject,
  MISSING_OBJECT_GRACE_MS,
  rejectPending,
  type ReconcileDeps,
  type RejectReason,
} from './reconcile.js';

export type SweepOutcome =
  | { readonly kind: 'completed'; readonly uploadId: string; readonly userId: string | undefined }
  | { readonly kind: 'rejected'; readonly uploadId: string; readonly reason: RejectReason }
  /** Completed meanwhile with the same object (a late notification, another replica): nothing changed. */
  | { readonly kind: 'duplicate'; readonly uploadId: string }
  /** Decided otherwise meanwhile (rejected, deleted, done with another object): nothing changed. */
  | { readonly kind: 'conflict'; readonly uploadId: string }
  /** Not decided (an upstream or store error): met again on a later pass. */
  | { readonly kind: 'retry'; readonly uploadId: string; readonly error: Error };

export type SweepOutcomeKind = SweepOutcome['kind'];

export interface SweepSummary {
  /** Uploads the pass took (at most batchSize). */
  readonly examined: number;
  readonly outcomes: Readonly<Record<SweepOutcomeKind, number>>;
  /** Listing the pass's work failed (the store): nothing was decided; the next pass tries again. */
  readonly failed: boolean;
  /** The batch was full: more uploads wait; the next pass goes on after the last one taken. */
  readonly more: boolean;
}

/** Timers the sweeper waits on; tests inject ones they fire themselves instead of sleeping. */
export interface SweepTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const systemTimers: SweepTimers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface UploadSweeperOptions {
  /** Pause between the end of one pass and the start of the next. */
  readonly intervalMs: number;
  /** Uploads taken per pass at most. */
  readonly batchSize: number;
  readonly timers?: SweepTimers;
  /** Where camlink_backend_sweeper_total and _passes_total are registered (the app's /metrics). */
  readonly registry?: Registry;
}

/**
 * Decides one pending upload without a notification. Never throws: an error is a `retry`. Refuses
 * (`retry`) an upload whose PUT URL expired less than MISSING_OBJECT_GRACE_MS ago: its PUT may still
 * be under way.
 */
export async function sweepUpload(deps: ReconcileDeps, upload: Upload): Promise<SweepOutcome> {
  const { uploadId } = upload;
  try {
    if (deps.clock.now().getTime() <= upload.expiresAt + MISSING_OBJECT_GRACE_MS) {
      throw new Error('its PUT URL expired less than the grace ago: a PUT may still be under way');
    }
    const verdict = await examineObject(deps, upload, {
      size: undefined,
      sha256: undefined,
      contentType: undefined,
    });
    const refuse = async (reason: RejectReason): Promise<SweepOutcome> =>
      (await rejectPending(deps, upload, reason))
        ? { kind: 'rejected', uploadId, reason }
        : { kind: 'conflict', uploadId };
    switch (verdict.kind) {
      case 'missing':
        return await refuse('object-missing');
      case 'mismatch':
        return await refuse(verdict.reason);
      case 'vanished':
        throw new Error('the object vanished between HEAD and GET');
      case 'verified':
        break;
    }
    const { result, userId } = await completeVerified(deps, upload, verdict.object, {
      capturedAt: undefined,
      by: 'sweeper',
    });
    switch (result) {
      case 'completed':
        return { kind: 'completed', uploadId, userId };
      case 'duplicate':
        return { kind: 'duplicate', uploadId };
      case 'conflict':
      case 'not-found':
        return { kind: 'conflict', uploadId };
    }
  } catch (err) {
    // Upstream errors carry neither credentials nor signatures (cloud/upstream.ts).
    return { kind: 'retry', uploadId, error: err instanceof Error ? err : new Error(String(err)) };
  }
}

export class UploadSweeper {
  private readonly decided: Counter<'outcome'>;
  private readonly passes: Counter<'result'>;
  private readonly timers: SweepTimers;
  private readonly listeners = new Set<(summary: SweepSummary) => void>();
  /** Where the next pass goes on (after a full batch); undefined: from the oldest. */
  private cursor: { expiresAt: number; uploadId: string } | undefined;
  private running: Promise<SweepSummary> | undefined;
  private timer: unknown;
  private started = false;
  private stopping = false;

  constructor(
    private readonly deps: ReconcileDeps,
    private readonly options: UploadSweeperOptions,
  ) {
    this.timers = options.timers ?? systemTimers;
    const registers = options.registry ? [options.registry] : [];
    this.decided = new Counter({
      name: 'camlink_backend_sweeper_total',
      help: 'Pending uploads the sweeper took without a notification, by outcome (completed, rejected, duplicate, conflict, retry).',
      labelNames: ['outcome'],
      registers,
    });
    this.passes = new Counter({
      name: 'camlink_backend_sweeper_passes_total',
      help: 'Sweeper passes, by result (ok; failed: the store could not list the pending uploads).',
      labelNames: ['result'],
      registers,
    });
  }

  /** Called after every pass with what it did. */
  onPass(listener: (summary: SweepSummary) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs a pass now, then one `intervalMs` after each pass ended, until stop(). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.deps.logger.info(
      { intervalMs: this.options.intervalMs, batchSize: this.options.batchSize },
      'upload sweeper started',
    );
    this.schedule(0);
  }

  /** No further pass; waits for the one under way, which stops after the upload it is deciding. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.started = false;
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass (a call while a pass is under way gets that pass's summary). */
  pass(): Promise<SweepSummary> {
    this.running ??= this.sweep().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(ms: number): void {
    this.timer = this.timers.set(() => {
      this.timer = undefined;
      void this.pass()
        .catch((err: unknown) => this.deps.logger.error({ error: String(err) }, 'upload sweep pass failed'))
        .then(() => {
          if (this.started && !this.stopping) this.schedule(this.options.intervalMs);
        });
    }, ms);
  }

  private async sweep(): Promise<SweepSummary> {
    const { store, clock, logger } = this.deps;
    const { batchSize } = this.options;
    const outcomes: Record<SweepOutcomeKind, number> = {
      completed: 0,
      rejected: 0,
      duplicate: 0,
      conflict: 0,
      retry: 0,
    };
    let uploads: Upload[];
    try {
      uploads = await store.listExpiredPendingUploads({
        expiredBefore: clock.now().getTime() - MISSING_OBJECT_GRACE_MS,
        limit: batchSize,
        ...(this.cursor === undefined ? {} : { after: this.cursor }),
      });
    } catch (err) {
      logger.error(
        { error: err instanceof Error ? err.message : String(err) },
        'upload sweep pass failed: the pending uploads could not be listed; the next pass tries again',
      );
      this.passes.inc({ result: 'failed' });
      return this.finish({ examined: 0, outcomes, failed: true, more: false });
    }
    // After a full batch the next pass goes on from here, so uploads that keep failing cannot hold the
    // oldest places for ever; after a short one it starts again from the oldest (and meets them again).
    const last = uploads.at(-1);
    const more = uploads.length >= batchSize && last !== undefined;
    this.cursor = more ? { expiresAt: last.expiresAt, uploadId: last.uploadId } : undefined;
    let examined = 0;
    for (const upload of uploads) {
      if (this.stopping) break;
      examined++;
      const outcome = await sweepUpload(this.deps, upload);
      outcomes[outcome.kind]++;
      this.decided.inc({ outcome: outcome.kind });
      const fields = {
        uploadId: upload.uploadId,
        deviceId: upload.deviceId,
        expiresAt: new Date(upload.expiresAt).toISOString(),
        outcome: outcome.kind,
      };
      if (outcome.kind === 'retry') {
        logger.warn(
          { ...fields, error: outcome.error.message },
          'pending upload not swept; a later pass tries again',
        );
      } else {
        logger.info(
          { ...fields, ...(outcome.kind === 'rejected' ? { reason: outcome.reason } : {}) },
          'pending upload swept without a notification',
        );
      }
    }
    this.passes.inc({ result: 'ok' });
    return this.finish({ examined, outcomes, failed: false, more });
  }

  private finish(summary: SweepSummary): SweepSummary {
    const { logger } = this.deps;
    if (summary.examined > 0) {
      logger.info(
        { ...summary.outcomes, examined: summary.examined, more: summary.more },
        'upload sweep pass',
      );
    } else if (!summary.failed) {
      logger.debug({ examined: 0 }, 'upload sweep pass');
    }
    for (const listener of this.listeners) {
      try {
        listener(summary);
      } catch (err) {
        logger.error({ error: String(err) }, 'an upload-sweeper listener failed');
      }
    }
    return summary;
  }
}
