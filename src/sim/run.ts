/**
 * `camlink sim`: a fleet of simulated cameras against the embedded platform, in phases: identities
 * (cached), platform (a `camlink up` child, or attach), connect (bounded concurrency, JITP on first
 * connect), enroll (register + pair, skipped on reruns), the paced upload schedule, then a grace period
 * for reconciliation. Returns the figures the summary line reports; `lost` uploads were acknowledged by
 * the store and never reconciled by the backend.
 */
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
  const { signal } = options;
  const identities = await loadOrIssueIdentities(
    options.pki,
    options.dataDir,
    options.cameras,
    (done, total) => options.progress('identities', done, total),
    signal,
  );
  const where = {
    dataDir: options.dataDir,
    configFile: options.configFile,
    operatorTokenFile: options.operatorTokenFile,
    env: options.env,
  };
  const platform: SimPlatform = options.attach
    ? await attachPlatform(where)
    : await startPlatformProcess(where);
  const closers: (() => unknown)[] = [() => platform.stop()];
  let cameras: SimCamera[] = [];
  try {
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
      brokerMemory = (await processMemory(platform.pid)) ?? brokerMemory;
      if (tracker.outstanding > 0) {
        options.status(`waiting up to ${options.graceSeconds} s for ${tracker.outstanding} reconciliations`);
        // Also after an interrupt: what was acknowledged deserves its chance to be reconciled.
        await tracker.settled(options.graceSeconds * 1000);
      }
    }
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
  } finally {
    for (const close of closers) await Promise.resolve(close()).catch(() => undefined);
  }
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
