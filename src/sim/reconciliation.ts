/**
 * Which acknowledged uploads the backend reconciled, and how long after their notification. The sim
 * follows the operator's event stream (GET /v1/events, everyone's events, with Last-Event-ID resumption
 * in BackendClient.watch) and matches `upload.completed` events to the uploads it made. After the grace
 * period, uploads still unmatched are asked for one by one (GET /v1/uploads/{id}) in case an event was
 * missed; those not `done` then are lost: the store acknowledged them and the backend never recorded them.
 */
import { performance } from 'node:perf_hooks';
import type { BackendClient } from '../app/backend-client.js';

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
  async finalCheck(operator: BackendClient): Promise<string[]> {
    const ids = [...this.pending.keys()];
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
        this.pending.delete(id);
        if (status === 'done') this.reconciled++;
        else lost.push(id);
      }
    };
    await Promise.all(Array.from({ length: CHECK_CONCURRENCY }, worker));
    return lost;
  }
}
