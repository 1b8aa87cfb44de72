/**
 * The quick form at `camlink up`'s start: quick_check of the platform's SQLite databases (the backend
 * checks its own when it opens it), the backend's upload rows against the running store's index, and
 * the dead-letter queue; no object data is read. One info line sums it up; each check with problems
 * adds a warn line with its counts, the first few keys and the advice to run `camlink fsck`. Damaged
 * databases come back as failed checks for the backend's /healthz.
 */
import { basename } from 'node:path';
import type { FailedCheck } from '../backend/health.js';
import type { CamlinkConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { DiskStore } from '../storage/disk-layout.js';
import { fsckSources, runFsck } from './index.js';
import { plural } from './report.js';
import { liveCatalog } from './sources.js';

/** Keys named in a warn line; the rest are counted. */
const NAMED = 5;

export async function startupCheck(
  config: Readonly<CamlinkConfig>,
  store: DiskStore,
  logger: Logger,
): Promise<FailedCheck[]> {
  const sources = fsckSources(config, liveCatalog(store), { backendIntegrity: false });
  let report;
  try {
    report = await runFsck({
      dataDir: config.dataDir,
      mode: 'quick',
      repair: false,
      bucket: config.backend.uploads.bucket,
      sources,
    });
  } finally {
    await sources.close();
  }
  const failed: FailedCheck[] = [];
  for (const check of report.checks) {
    const problems = check.findings.filter((f) => f.severity === 'problem');
    if (problems.length === 0) continue;
    for (const p of problems) {
      if (p.kind === 'database-damaged' && p.file !== undefined) {
        failed.push({
          name: basename(p.file),
          check: 'quick_check',
          code: 'DATABASE_CORRUPT',
          detail: p.message,
        });
      }
    }
    logger.warn(
      {
        check: check.id,
        ...check.counts,
        problems: problems.length,
        first: problems.slice(0, NAMED).map((p) => p.key ?? p.file ?? p.message),
        ...(check.id === 'databases' ? { code: 'DATABASE_CORRUPT' } : {}),
      },
      `start-up check ${check.title}: ${check.summary}; run \`camlink fsck --data-dir ${config.dataDir}\` (with the platform stopped) for the details and --repair`,
    );
  }
  const summary = report.checks.map((c) => `${c.title} ${c.status}`).join(', ');
  logger.info(
    { problems: report.problems, durationMs: report.durationMs },
    `start-up check: ${plural(report.problems, 'problem')} (${summary})`,
  );
  return failed;
}
