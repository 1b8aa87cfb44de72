/**
 * Each SQLite database of the data dir passes SQLite's own check: integrity_check (full form) or
 * quick_check (quick form); the backend on PostgreSQL answers a round trip. A damaged database is
 * never repaired by fsck: the advice is to restore it from a backup.
 */
import { basename } from 'node:path';
import { CamlinkError } from '../../errors/camlink-error.js';
import { fileExists } from '../../util/atomic-file.js';
import { checkSqliteIntegrity, openSqliteFile, type Db } from '../../util/sqlite.js';
import { addFinding, count, type FsckCheck } from '../types.js';

export const databasesCheck: FsckCheck = {
  id: 'databases',
  title: 'databases',
  quick: true,
  advice: {
    'database-damaged':
      'A damaged database: stop camlink, keep a copy of the file, and restore it from a backup (fsck does not repair database files; the other checks show which uploads the backend lost).',
    'database-unreachable':
      'The backend database cannot be reached: check backend.store.postgresUrl and the server.',
  },
  async run(ctx, report) {
    const pragma = ctx.mode === 'full' ? 'integrity_check' : 'quick_check';
    for (const { name, path } of ctx.sources.databases) {
      if (!(await fileExists(path))) {
        count(report, 'absent');
        continue;
      }
      let db: Db | undefined;
      try {
        db = openSqliteFile(path, { what: name, dataDir: ctx.dataDir }, undefined, { readonly: true });
        const problems = checkSqliteIntegrity(db, ctx.mode);
        if (problems.length === 0) {
          count(report, 'intact');
          continue;
        }
        count(report, 'damaged');
        addFinding(report, {
          severity: 'problem',
          kind: 'database-damaged',
          file: path,
          message: `${basename(path)} failed ${pragma}: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}`,
        });
      } catch (err) {
        count(report, 'damaged');
        addFinding(report, {
          severity: 'problem',
          kind: 'database-damaged',
          file: path,
          message:
            err instanceof CamlinkError ? err.message : `${basename(path)} cannot be opened: ${String(err)}`,
        });
      } finally {
        db?.close();
      }
    }
    if (ctx.sources.backend.location.kind === 'postgres') {
      const rows = await ctx.sources.backend.rows();
      if (rows.ok) count(report, 'intact');
      else {
        addFinding(report, { severity: 'problem', kind: 'database-unreachable', message: rows.reason });
      }
    }
    const c = report.counts;
    report.summary =
      `${c.intact ?? 0} intact, ${c.damaged ?? 0} damaged (${pragma})` +
      (c.absent ? `; ${c.absent} not created yet` : '');
  },
};
