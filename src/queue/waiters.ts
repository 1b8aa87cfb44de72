/**
 * Long polling without polling loops (SQS Developer Guide, "Short and long polling"): a receive that
 * found nothing parks here until a send or a visibility change wakes its queue, the next known
 * visibility deadline passes, the wait time ends, or the caller goes away.
 */

export class QueueWaiters {
  readonly #waiting = new Map<number, Set<() => void>>();

  /** Wakes every receive parked on the queue (each then retries once and may park again). */
  notify(queueId: number): void {
    const set = this.#waiting.get(queueId);
    if (set === undefined) return;
    this.#waiting.delete(queueId);
    for (const wake of set) wake();
  }

  /** Resolves on notify, after `ms`, or when `signal` aborts; never rejects. */
  wait(queueId: number, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted || ms <= 0) return resolve();
      let set = this.#waiting.get(queueId);
      if (set === undefined) this.#waiting.set(queueId, (set = new Set()));
      const waitingSet = set;
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        waitingSet.delete(done);
        if (waitingSet.size === 0 && this.#waiting.get(queueId) === waitingSet) this.#waiting.delete(queueId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      waitingSet.add(done);
    });
  }

  /** Ends every wait (store shutdown). */
  wakeAll(): void {
    for (const id of [...this.#waiting.keys()]) this.notify(id);
  }
}
