/**
 * `camlink fsck`: checks a data dir for consistency across the backend's records, the object store and
 * the queue (docs/fsck.md), and with --repair rebuilds what it can. The report goes to stdout (text,
 * or JSON with --json), progress to stderr.
 *
 * Exit codes: 0 clean; 1 problems found (with --repair: all repaired); 2 problems remain after
 * --repair; 3 fsck could not run (a file it needs cannot be read, --repair refused on a running
 * platform), after the usual `camlink: ... [CODE]` line. A usage error exits 2 as for every command,
 * with nothing on stdout.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CamlinkError, isCamlinkError, systemErrorCode } from '../../errors/camlink-error.js';
import { fsckExitCode, fsckSources, runFsck } from '../../fsck/index.js';
import { formatReport } from '../../fsck/report.js';
import { runningPlatform } from '../../fsck/running.js';
import { diskCatalog } from '../../fsck/sources.js';
import { createLogger } from '../../log/logger.js';
import { lockDataDir } from '../../platform/data-dir-lock.js';
import { defineCommand } from '../command.js';
import { summaries } from './summaries.js';

export const EXIT_FSCK_FAILED = 3;

export const fsckCommand = defineCommand({
  name: 'fsck',
  summary: summaries.fsck,
  description:
    'Checks every SQLite database (integrity_check), the object store files of the uploads bucket (sizes and\n' +
    'SHA-256), `done` uploads whose object is missing or differs, objects under devices/ without an upload row,\n' +
    'pending uploads whose object is stored, and the dead-letter queue. Reads only, unless --repair: then\n' +
    'missing upload rows are rebuilt from their objects (the platform must be stopped). Exit status: 0 clean,\n' +
    '1 problems found (with --repair: all repaired), 2 problems remain after --repair, 3 fsck could not run.\n' +
    'See docs/fsck.md.',
  options: {
    repair: {
      type: 'boolean',
      description: 'rebuild missing upload rows from their objects (platform stopped)',
    },
    quick: {
      type: 'boolean',
      description: 'the start-up form: quick_check and counts, no object data read',
    },
    json: { type: 'boolean', description: 'print the report as JSON' },
  },
  async run(ctx) {
    try {
      const config = ctx.config();
      const repair = ctx.options.repair === true;
      await assertDirectory(config.dataDir);
      const running = await runningPlatform(config.dataDir);
      if (running !== undefined && repair) {
        throw new CamlinkError(
          'CONFLICT',
          `a platform is running on ${config.dataDir} (${running.endpointsFile} names ${running.answered}, which answers${running.pid === undefined ? '' : `; pid ${running.pid}`}): stop it before \`camlink fsck --repair\`, or run fsck without --repair to report only`,
        );
      }
      // --repair changes the data dir: no platform may start on it meanwhile (nor run: the lock says so
      // even where the endpoints file was lost).
      const lock = repair
        ? await lockDataDir(
            config.dataDir,
            createLogger({ level: config.log.level, name: 'fsck' }),
            'camlink fsck --repair',
          )
        : undefined;
      const progress = (message: string) => ctx.io.stderr(`fsck: ${message}\n`);
      if (running !== undefined) {
        progress(
          `a platform is running on this data dir (${running.answered}): uploads in progress may show`,
        );
      }
      const sources = fsckSources(config, diskCatalog(join(config.dataDir, 'storage'), progress));
      let report;
      try {
        report = await runFsck({
          dataDir: config.dataDir,
          mode: ctx.options.quick === true ? 'quick' : 'full',
          repair,
          bucket: config.backend.uploads.bucket,
          sources,
          progress,
        });
      } finally {
        await sources.close();
        await lock?.release();
      }
      ctx.io.stdout(
        ctx.options.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report),
      );
      return fsckExitCode(report);
    } catch (err) {
      const known = isCamlinkError(err) ? err : readFailure(err);
      if (known === undefined) throw err;
      ctx.io.stderr(`camlink: ${known.message} [${known.code}]\n`);
      return EXIT_FSCK_FAILED;
    }
  },
});

async function assertDirectory(dataDir: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await stat(dataDir)).isDirectory();
  } catch (err) {
    throw new CamlinkError(
      'FILE_UNREADABLE',
      `no data dir at ${dataDir} (${systemErrorCode(err) ?? String(err)})`,
      {
        cause: err,
      },
    );
  }
  if (!isDir) throw new CamlinkError('FILE_UNREADABLE', `${dataDir} is not a directory`);
}

/** A file fsck needed could not be read (EACCES, EIO...): FILE_UNREADABLE with the system's message. */
function readFailure(err: unknown): CamlinkError | undefined {
  const code = systemErrorCode(err);
  if (code === undefined || !/^E[A-Z]+$/.test(code)) return undefined;
  const message = err instanceof Error ? err.message : String(err);
  return new CamlinkError('FILE_UNREADABLE', `fsck could not read the data dir: ${message}`, { cause: err });
}
