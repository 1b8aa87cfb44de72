/**
 * `camlink sim`: a fleet of simulated cameras against the embedded platform, in phases: identities
 * (cached), platform (a `camlink up` child, or attach), connect (bounded concurrency, JITP on first
 * connect), enroll (register + pair, skipped on reruns), the paced upload schedule, then a grace period
 * for reconciliation. Returns the figures the summary line reports; `lost` uploads were acknowledged by
 * the store and never reconciled by the backend.
 */
import { performance } from 'node:perf_hooks';
import { setMaxListeners } from 'node:events';
import { CamlinkError } from '../errors/camlink-error.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendClient } from '../app/backend-client.js';
import { BackendClient as Client } from '../app/backend-client.js';
import { storageAgent } from '../device/trust.js';
import type { Logger } from '../log/logger.js';
import type { PkiContext } from '../pki/context.js';
import { enrollFleet } from './enroll.js';
import { connectFleet, stopFleet, type SimCamera } from './fleet.js';
import { loadOrIssueIdentities } from './identities.js';
import { attachPlatform, startPlatformProcess, type SimPlatform } from './platform-process.js';
import { ReconciliationTracker } from './reconciliation.js';
import { runSchedule, type UploadCounters } from './schedule.js';
import { percentile, processMemory, type SimSummary } from './stats.js';

/**
 * While waiting for the last reconciliations, uploads outstanding this long are asked for (their event
 * may have been published while the event stream was down).
 */
const RECHECK_EVERY_MS = 10_000;
/** How long a failed run waits for the platform's exit event before blaming what failed. */
const DEATH_ATTRIBUTION_MS = 2_000;

export interface SimOptions {
  readonly cameras: number;
  readonly durationSeconds: number;
  readonly rate: number;
  readonly graceSeconds: number;
  readonly connectConcurrency: number;
  readonly connectTimeoutSeconds: number;
  readonly maxInFlight: number;
  readonly attach: boolean;
  readonly dataDir: string;
  readonly configFile: string | undefined;
  readonly operatorTokenFile: string;
  readonly env: NodeJS.ProcessEnv;
  readonly pki: PkiContext;
  readonly logger: Logger;
  /** Aborted on SIGINT: the sim stops what it is doing and reports what was done. */
  readonly signal: AbortSignal;
  /** Progress for people (stderr). */
  readonly progress: (phase: string, done: number, total: number) => void;
  readonly status: (line: string) => void;
}

export interface SimResult extends SimSummary {
  readonly failures: ReadonlyMap<string, number>;
  readonly deferred: number;
  readonly brokerPeakBytes: number | undefined;
  readonly simRssBytes: number;
}

export async function runSim(options: SimOptions): Promise<SimResult> {
  const identities = await loadOrIssueIdentities(
    options.pki,
    options.dataDir,
    options.cameras,
    (done, total) => options.progress('identities', done, total),
    options.signal,
  );
  const where = {
    dataDir: options.dataDir,
    configFile: options.configFile,
    operatorTokenFile: options.operatorTokenFile,
    env: options.env,
  };
  const platform: SimPlatform = options.attach
    ? await attachPlatform(where, options.status)
    : await startPlatformProcess(where);
  const closers: (() => unknown)[] = [() => platform.stop()];
  // The run stops on the interrupt, or when the platform dies: then at once, with the platform's error
  // (not after the schedule, blaming cameras that cannot reach it).
  const run = new AbortController();
  setMaxListeners(0, run.signal);
  const onInterrupt = () => run.abort();
  options.signal.addEventListener('abort', onInterrupt, { once: true });
  if (options.signal.aborted) run.abort();
  closers.push(() => options.signal.removeEventListener('abort', onInterrupt));
  let died: CamlinkError | undefined;
  const death = platform.exited.then((err) => {
    died = err;
    run.abort();
    throw err;
  });
  const work = simulate(options, identities, platform, run.signal, closers, () => died);
  // A failure the dying platform caused (a connection reset) may come before its exit event: that
  // event gets a moment, and if it comes the run fails with the platform's error, not the symptom.
  const attributed = work.catch(async (err: unknown) => {
    throw (await within(platform.exited, DEATH_ATTRIBUTION_MS)) ?? err;
  });
  // Whichever settles first; the other is left to wind down (the run is aborted).
  work.catch(() => undefined);
  attributed.catch(() => undefined);
  death.catch(() => undefined);
  const closeAll = async () => {
    for (const close of closers.splice(0)) await Promise.resolve(close()).catch(() => undefined);
  };
  try {
    return await Promise.race([attributed, death]);
  } finally {
    // After a death the run is still winding down: close what it holds, let it end (aborted, its
    // cameras stopped), then close what it opened meanwhile.
    await closeAll();
    await work.catch(() => undefined);
    await closeAll();
  }
}

async function simulate(
  options: SimOptions,
  identities: Awaited<ReturnType<typeof loadOrIssueIdentities>>,
  platform: SimPlatform,
  signal: AbortSignal,
  closers: (() => unknown)[],
  died: () => CamlinkError | undefined,
): Promise<SimResult> {
  /** Between phases: a dead platform ends the run with its error. */
  const alive = () => {
    const err = died();
    if (err !== undefined) throw err;
  };
  let cameras: SimCamera[] = [];
  const e = platform.endpoints;
  if (e.api === undefined) {
    throw new CamlinkError('CONFIG_INVALID', 'the platform runs no backend API (cloudAccount.enabled)');
  }
  const api = e.api;
  options.status(`platform pid ${platform.pid}: MQTT ${e.mqtt}, API ${e.api}`);
  const ca = await readFile(e.caPath);
  // Storage: the default store plus the platform CA (MQTT trusts the CA only).
  const httpsAgent = storageAgent(ca, { maxSockets: 64 });
  closers.unshift(() => httpsAgent.destroy());
  const operator = new Client({ baseUrl: api, token: platform.operatorToken, ca });
  closers.unshift(() => operator.close());

  const fleet = await connectFleet({
    identities,
    mqttUrl: e.mqtt,
    ca,
    outboxRoot: join(options.dataDir, 'sim', 'outbox'),
    httpsAgent,
    concurrency: options.connectConcurrency,
    connectTimeoutMs: options.connectTimeoutSeconds * 1000,
    logger: options.logger,
    signal,
    progress: (done, total) => options.progress('connect', done, total),
  });
  cameras = fleet.cameras;
  closers.unshift(() => stopFleet(cameras));
  alive();
  const connectsPerSecond = fleet.elapsedMs > 0 ? (cameras.length / fleet.elapsedMs) * 1000 : 0;
  options.status(
    `connected ${cameras.length} of ${options.cameras} in ${(fleet.elapsedMs / 1000).toFixed(1)} s ` +
      `(${connectsPerSecond.toFixed(1)}/s, ${fleet.failed} failed)`,
  );

  const tracker = new ReconciliationTracker();
  const counters = emptyCounters();
  let scheduleMs = 0;
  let user: BackendClient | undefined;
  let brokerMemory = await processMemory(platform.pid);
  if (!signal.aborted && cameras.length > 0) {
    user = await enrollFleet({
      dataDir: options.dataDir,
      apiUrl: api,
      ca,
      operator,
      identities: cameras.map((c) => c.identity),
      signal,
      progress: (done, total) => options.progress('enroll', done, total),
    });
    closers.unshift(() => user?.close());
    const watching = new AbortController();
    closers.unshift(() => watching.abort());
    await watchCompletions(user, tracker, watching.signal);
    if (!signal.aborted) {
      const result = await runSchedule({
        cameras,
        rate: options.rate,
        durationMs: options.durationSeconds * 1000,
        maxInFlight: options.maxInFlight,
        picturesDir: join(options.dataDir, 'sim', 'pictures'),
        tracker,
        signal,
        onTick: (c, elapsedMs) =>
          options.progress(
            `uploads ${c.acknowledged} acknowledged, ${tracker.reconciled} reconciled, ${c.failed} failed`,
            Math.round(elapsedMs / 1000),
            options.durationSeconds,
          ),
      });
      Object.assign(counters, result.counters);
      scheduleMs = result.elapsedMs;
    }
    alive();
    brokerMemory = (await processMemory(platform.pid)) ?? brokerMemory;
    if (tracker.outstanding > 0) {
      options.status(`waiting up to ${options.graceSeconds} s for ${tracker.outstanding} reconciliations`);
      // Also after an interrupt: what was acknowledged deserves its chance to be reconciled.
      const deadline = performance.now() + options.graceSeconds * 1000;
      const dead = stopOnDeath(platform);
      while (tracker.outstanding > 0 && !dead.aborted) {
        const left = deadline - performance.now();
        if (left <= 0) break;
        await tracker.settled(Math.min(left, RECHECK_EVERY_MS), dead);
        if (tracker.outstanding > 0 && !dead.aborted) await tracker.recheck(operator, RECHECK_EVERY_MS);
      }
    }
  }
  alive();
  const lost = await tracker.finalCheck(operator);
  return {
    cameras: options.cameras,
    connected: cameras.length,
    connectsPerSecond,
    uploads: counters.acknowledged,
    uploadsPerSecond: scheduleMs > 0 ? (counters.acknowledged / scheduleMs) * 1000 : 0,
    failed: counters.failed,
    failures: counters.failures,
    deferred: counters.deferred,
    reconciled: tracker.reconciled,
    thumbnails: tracker.thumbnails,
    p50Ms: percentile(tracker.latenciesMs, 50),
    p99Ms: percentile(tracker.latenciesMs, 99),
    brokerRssBytes: brokerMemory?.rss,
    brokerPeakBytes: brokerMemory?.peak,
    simRssBytes: process.memoryUsage().rss,
    lost: lost.length,
    interrupted: signal.aborted,
  };
}

/** `promise`'s value if it settles within `ms`, else undefined. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Aborted when the platform dies (the grace wait ends with it; the interrupt does not end it). */
function stopOnDeath(platform: SimPlatform): AbortSignal {
  const dead = new AbortController();
  void platform.exited.then(() => dead.abort());
  return dead.signal;
}

function emptyCounters(): UploadCounters {
  return { started: 0, acknowledged: 0, failed: 0, failures: new Map(), deferred: 0 };
}

/** Follows the user's event stream; resolves once it is open (so no completion can be missed). */
async function watchCompletions(
  user: BackendClient,
  tracker: ReconciliationTracker,
  signal: AbortSignal,
): Promise<void> {
  await new Promise<void>((opened, failed) => {
    user
      .watch(
        (event) => {
          if (event.type === 'upload.thumbnail') tracker.thumbnails++;
          const id = event.type === 'upload.completed' ? event.data['uploadId'] : undefined;
          if (typeof id === 'string') tracker.completed(id);
        },
        signal,
        opened,
      )
      .catch((err: unknown) => failed(err instanceof Error ? err : new Error(String(err))));
  });
}
