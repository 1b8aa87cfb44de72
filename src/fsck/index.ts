/**
 * `camlink fsck` (docs/fsck.md): consistency of a data dir across the backend's records, the object
 * store and the queue. One check per file in checks/, run in this order (a later check reuses what an
 * earlier one read or hashed); the quick form (platform start-up) runs the checks marked `quick` with
 * quick_check and no object data read.
 */
import { basename, join } from 'node:path';
import type { CamlinkConfig } from '../config/schema.js';
import { storeLocation } from '../backend/store/open.js';
import { queueDbPath } from '../queue/server.js';
import { videoDbPath } from '../video/server.js';
import { databasesCheck } from './checks/databases.js';
import { deadLettersCheck } from './checks/dead-letters.js';
import { doneUploadsCheck } from './checks/done-uploads.js';
import { objectFilesCheck } from './checks/object-files.js';
import { objectsWithoutRowsCheck } from './checks/objects-without-rows.js';
import { pendingUploadsCheck } from './checks/pending-uploads.js';
import { quarantineCheck } from './checks/quarantine.js';
import { BackendSource, FsckSources, type ObjectCatalog } from './sources.js';
import type { CheckReport, FsckCheck, FsckContext, FsckMode, FsckReport } from './types.js';

export const fsckChecks: readonly FsckCheck[] = [
  databasesCheck,
  objectFilesCheck,
  quarantineCheck,
  doneUploadsCheck,
  objectsWithoutRowsCheck,
  pendingUploadsCheck,
  deadLettersCheck,
];

/** The data dir's SQLite files (the backend's only when it is on SQLite), by the name reports use. */
export function dataDirDatabases(
  config: Readonly<CamlinkConfig>,
  options: { backend: boolean } = { backend: true },
): { name: string; path: string }[] {
  const dataDir = config.dataDir;
  const backend = storeLocation(dataDir, config.backend.store);
  return [
    ...(options.backend && backend.kind === 'sqlite'
      ? [{ name: basename(backend.path), path: backend.path }]
      : []),
    { name: 'iot.db', path: join(dataDir, 'iot.db') },
    { name: 'iam.db', path: join(dataDir, 'iam.db') },
    { name: 'queue.db', path: queueDbPath(dataDir) },
    { name: 'video.db', path: videoDbPath(dataDir) },
  ];
}

export function fsckSources(
  config: Readonly<CamlinkConfig>,
  objects: ObjectCatalog,
  options: { backendIntegrity: boolean } = { backendIntegrity: true },
): FsckSources {
  return new FsckSources(
    new BackendSource(storeLocation(config.dataDir, config.backend.store), config.dataDir),
    objects,
    queueDbPath(config.dataDir),
    dataDirDatabases(config, { backend: options.backendIntegrity }),
  );
}

export interface FsckOptions {
  readonly dataDir: string;
  readonly mode: FsckMode;
  readonly repair: boolean;
  readonly bucket: string;
  readonly sources: FsckSources;
  readonly progress?: (message: string) => void;
  readonly now?: () => number;
  readonly checks?: readonly FsckCheck[];
}

export async function runFsck(options: FsckOptions): Promise<FsckReport> {
  const started = Date.now();
  const ctx: FsckContext = {
    dataDir: options.dataDir,
    mode: options.mode,
    repair: options.repair,
    bucket: options.bucket,
    sources: options.sources,
    progress: options.progress ?? (() => undefined),
    now: options.now ?? (() => Date.now()),
  };
  const checks = (options.checks ?? fsckChecks).filter((c) => options.mode === 'full' || c.quick);
  const reports: CheckReport[] = [];
  const advice = new Set<string>();
  for (const check of checks) {
    const report: CheckReport = {
      id: check.id,
      title: check.title,
      status: 'ok',
      summary: '',
      counts: {},
      findings: [],
    };
    reports.push(report);
    try {
      await check.run(ctx, report);
    } catch (err) {
      report.status = 'problems';
      report.summary ||= 'the check failed';
      report.findings.push({
        severity: 'problem',
        kind: 'check-failed',
        message: `the ${check.title} check failed: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
    for (const finding of report.findings) {
      if (finding.severity !== 'problem') continue;
      if (options.repair && finding.repaired === undefined) {
        finding.repaired = false;
        finding.repair = 'not repaired: fsck does not repair this';
      }
      const text = check.advice?.[finding.kind];
      if (finding.repaired !== true && text !== undefined)
        advice.add(text.replaceAll('{dataDir}', options.dataDir));
    }
  }
  const problems = reports.flatMap((r) => r.findings).filter((f) => f.severity === 'problem');
  const repaired = problems.filter((f) => f.repaired === true).length;
  return {
    dataDir: options.dataDir,
    mode: options.mode,
    repair: options.repair,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    checks: reports,
    problems: problems.length,
    repaired,
    remaining: problems.length - repaired,
    advice: [...advice],
  };
}

/** 0 clean, 1 problems found (with --repair: all of them repaired), 2 problems remain after --repair. */
export function fsckExitCode(report: FsckReport): 0 | 1 | 2 {
  if (report.problems === 0) return 0;
  return report.repair && report.remaining > 0 ? 2 : 1;
}
