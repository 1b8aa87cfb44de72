/**
 * The reconciler's circuit breaker. A retry caused by the backend's own dependency (its store failing,
 * the object store unreachable or answering 5xx) opens it; while it is open the consumer receives
 * nothing, so notifications do not spend their receives (and reach the dead-letter queue) for a failure
 * that is not theirs. It probes the failed dependency with backoff (the store with a real write,
 * BackendStore.probeWrite: a full disk still answers reads) and closes on the first probe that succeeds.
 * One log line when it opens, one when it closes; `camlink_backend_reconciler_paused{dependency}` is 1
 * while it is open.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../log/logger.js';
import type { Clock } from '../../util/clock.js';
import type { ObjectStore } from '../cloud/types.js';
import type { BackendStore } from '../store/types.js';
import { isRefusal, type Dependency } from './reconcile.js';

export interface BreakerOptions {
  /** Resolves when the dependency works again (the store takes a write, the object store answers). */
  readonly probe: (dependency: Dependency) => Promise<void>;
  readonly logger: Logger;
  readonly registry?: Registry;
  /** Pause before probe number `attempt` (1, 2, ...); default 1 s doubling up to 60 s. */
  readonly probeDelayMs?: (attempt: number) => number;
}

export const defaultProbeDelayMs = (attempt: number): number =>
  Math.min(1_000 * 2 ** Math.max(0, attempt - 1), 60_000);

const DEPENDENCY_NAMES: Record<Dependency, string> = { store: 'store', objects: 'object store' };

interface Opened {
  readonly dependency: Dependency;
  readonly since: number;
  probes: number;
  lastError: string;
}

export class DependencyBreaker {
  readonly #options: BreakerOptions;
  readonly #paused: Gauge<'dependency'>;
  readonly #openings: Counter<'dependency'>;
  readonly #waiters = new Set<() => void>();
  #open: Opened | undefined;
  /** Probes since a notification was last decided: the backoff goes on across reopenings until then. */
  #attempts = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: BreakerOptions) {
    this.#options = options;
    const registers = options.registry ? [options.registry] : [];
    this.#paused = new Gauge({
      name: 'camlink_backend_reconciler_paused',
      help: "1 while the reconciler receives nothing because one of the backend's own dependencies (store, objects) fails.",
      labelNames: ['dependency'],
      registers,
    });
    this.#openings = new Counter({
      name: 'camlink_backend_reconciler_pauses_total',
      help: "Times the reconciler paused for a failure of the backend's own dependency, by dependency.",
      labelNames: ['dependency'],
      registers,
    });
    for (const dependency of ['store', 'objects'] as const) this.#paused.set({ dependency }, 0);
  }

  /** The failing dependency while open, else undefined. */
  get openFor(): Dependency | undefined {
    return this.#open?.dependency;
  }

  /** A reconciliation failed for `dependency`: opens (once) and starts probing it. */
  trip(dependency: Dependency, error: Error): void {
    if (this.#open !== undefined) return;
    this.#open = { dependency, since: Date.now(), probes: 0, lastError: error.message };
    this.#paused.set({ dependency }, 1);
    this.#openings.inc({ dependency });
    this.#options.logger.error(
      { dependency, error: error.message },
      `the reconciler paused: the backend's ${DEPENDENCY_NAMES[dependency]} fails; notifications wait on the queue until it works again`,
    );
    if (!this.#stopped) this.#probeLater();
  }

  /** A notification was decided: the dependencies work, the next opening's backoff starts over. */
  succeeded(): void {
    if (this.#open === undefined) this.#attempts = 0;
  }

  /** Resolves at once while closed; otherwise when it closes or `signal` aborts. */
  whenClosed(signal: AbortSignal): Promise<void> {
    if (this.#open === undefined || this.#stopped || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        this.#waiters.delete(done);
        resolve();
      };
      signal.addEventListener('abort', done);
      this.#waiters.add(done);
    });
  }

  /** Stops probing while the consumer is stopped; an open breaker stays open. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const wake of [...this.#waiters]) wake();
  }

  /** Probing again (the consumer started again). */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    if (this.#open !== undefined) this.#probeLater();
  }

  #probeLater(): void {
    if (this.#stopped) return;
    this.#attempts += 1;
    const delay = (this.#options.probeDelayMs ?? defaultProbeDelayMs)(this.#attempts);
    this.#timer = setTimeout(() => void this.#probe(), delay);
  }

  async #probe(): Promise<void> {
    const open = this.#open;
    if (open === undefined || this.#stopped) return;
    open.probes += 1;
    try {
      await this.#options.probe(open.dependency);
    } catch (err) {
      open.lastError = err instanceof Error ? err.message : String(err);
      this.#options.logger.debug(
        { dependency: open.dependency, probes: open.probes, error: open.lastError },
        'reconciler probe failed',
      );
      this.#probeLater();
      return;
    }
    this.#open = undefined;
    this.#paused.set({ dependency: open.dependency }, 0);
    this.#options.logger.info(
      { dependency: open.dependency, pausedMs: Date.now() - open.since, probes: open.probes },
      `the reconciler resumed: the backend's ${DEPENDENCY_NAMES[open.dependency]} works again`,
    );
    for (const wake of [...this.#waiters]) wake();
  }
}

/** The key the object store probe asks for: under devices/ (the backend role's scope), no upload's. */
export const PROBE_KEY = 'devices/camlink-reconciler-probe';

/**
 * The probes of the backend's own dependencies: the store takes a real write (a row of the
 * reconciler's, BackendStore.probeWrite); the object store answers a HEAD (404, or any refusal, is an
 * answer: only no answer or a 5xx is an outage).
 */
export function dependencyProbe(deps: {
  readonly store: Pick<BackendStore, 'probeWrite'>;
  readonly objects: Pick<ObjectStore, 'head'>;
  readonly bucket: string;
  readonly clock: Clock;
}): (dependency: Dependency) => Promise<void> {
  return async (dependency) => {
    if (dependency === 'store') return deps.store.probeWrite('reconciler', deps.clock.now().getTime());
    try {
      await deps.objects.head(deps.bucket, PROBE_KEY);
    } catch (err) {
      if (!(err instanceof Error && isRefusal(err))) throw err;
    }
  };
}
