/**
 * Which acknowledged uploads the backend reconciled, and how long after their notification. The sim
 * follows the operator's event stream (GET /v1/events, everyone's events, with Last-Event-ID resumption
 * in BackendClient.watch) and matches `upload.completed` events to the uploads it made. While it waits
 * for the last ones, uploads outstanding for a while are asked for (recheck: an event published while the
 * stream was down is never delivered); after the grace period, uploads still unmatched are asked for one
 * by one (GET /v1/uploads/{id}) in case an event was missed; those not `done` then are lost: the store acknowledged them and the backend never recorded them.
 */
import { performance } from 'node:perf_hooks';
import type { BackendClient } from '../app/backend-client.js';

/** What the tracker asks the backend (BackendClient's getUpload). */
export type UploadLookup = Pick<BackendClient, 'getUpload'>;

/** Uploads asked for at once in the final check. */
const CHECK_CONCURRENCY = 16;

export class ReconciliationTracker {
  /** uploadId -> performance.now() when its notification was handed to the agent's outbox. */
  private readonly pending = new Map<string, number>();
  /** Completions that arrived before the upload was recorded as acknowledged (a race, not an error). */
  private readonly early = new Set<string>();
  readonly latenciesMs: number[] = [];
  reconciled = 0;
  /** upload.thumbnail events seen (thumbnails are made after the completion, best effort). */
  thumbnails = 0;
  private onEmpty: (() => void) | undefined;

  constructor(private readonly now: () => number = () => performance.now()) {}

  get outstanding(): number {
    return this.pending.size;
  }

  /** The store acknowledged the PUT of `uploadId` and its notification is on its way. */
  expect(uploadId: string): void {
    if (this.early.delete(uploadId)) {
      this.reconciled++;
      this.latenciesMs.push(0);
      return;
    }
    this.pending.set(uploadId, this.now());
  }

  /** An `upload.completed` event for `uploadId` arrived. */
  completed(uploadId: string): void {
    const since = this.pending.get(uploadId);
    if (since === undefined) {
      this.early.add(uploadId);
      return;
    }
    this.pending.delete(uploadId);
    this.reconciled++;
    this.latenciesMs.push(this.now() - since);
    if (this.pending.size === 0) this.onEmpty?.();
  }

  /** Resolves when nothing is outstanding, or after `ms` (whichever is first), or when `signal` aborts. */
  settled(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', finish);
        this.onEmpty = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      signal?.addEventListener('abort', finish, { once: true });
      this.onEmpty = finish;
    });
  }

  /**
   * Asks the backend about every upload still outstanding; `done` ones count as reconciled (without a
   * latency: the event was missed), the rest are returned as lost.
   */
  async finalCheck(operator: UploadLookup): Promise<string[]> {
    return this.check(operator, true);
  }

  /**
   * Asks the backend about the uploads outstanding since `olderThanMs` or longer and counts the `done`
   * ones as reconciled (without a latency): an event published while the stream was down (a platform
   * restart; SSE replay covers one process only) is never delivered. Nothing is declared lost.
   */
  async recheck(operator: UploadLookup, olderThanMs: number): Promise<void> {
    const cutoff = this.now() - olderThanMs;
    const ids = [...this.pending].filter(([, since]) => since <= cutoff).map(([id]) => id);
    await this.check(operator, false, ids);
  }

  private async check(
    operator: UploadLookup,
    final: boolean,
    ids: readonly string[] = [...this.pending.keys()],
  ): Promise<string[]> {
    const lost: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++];
        if (id === undefined) break;
        const status = await operator.getUpload(id).then(
          ({ upload }) => upload.status,
          () => 'unknown',
        );
        if (!this.pending.has(id)) continue;
        if (status === 'done') {
          this.pending.delete(id);
          this.reconciled++;
        } else if (final) {
          this.pending.delete(id);
          lost.push(id);
        }
      }
    };
    await Promise.all(Array.from({ length: CHECK_CONCURRENCY }, worker));
    if (this.pending.size === 0) this.onEmpty?.();
    return lost;
  }
}
