/**
 * Opening a service's own SQLite database (better-sqlite3): WAL with synchronous=FULL, so a committed
 * write is on disk when the call returns; foreign keys on; numbered migrations applied in order, one
 * transaction each, recorded in PRAGMA user_version. A database newer than this camlink is refused.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CamlinkError } from '../errors/camlink-error.js';
import type { ErrorCode } from '../errors/registry.js';

export type Db = Database.Database;

/** `code` and `what` name the failure, e.g. QUEUE_STORE_UNAVAILABLE and "queue". */
export function openMigratedDb(
  path: string,
  migrations: readonly string[],
  failure: { code: ErrorCode; what: string },
): Db {
  let db: Db;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    throw new CamlinkError(failure.code, `cannot open the ${failure.what} database ${path}`, { cause: err });
  }
  try {
    migrate(db, migrations, failure);
  } catch (err) {
    db.close();
    if (err instanceof CamlinkError) throw err;
    throw new CamlinkError(failure.code, `cannot migrate the ${failure.what} database ${path}`, {
      cause: err,
    });
  }
  return db;
}

function migrate(db: Db, migrations: readonly string[], failure: { code: ErrorCode; what: string }): void {
  const version = Number(db.pragma('user_version', { simple: true }));
  if (version > migrations.length) {
    throw new CamlinkError(
      failure.code,
      `the ${failure.what} database has schema version ${version}; this camlink knows up to ${migrations.length}`,
    );
  }
  for (let v = version; v < migrations.length; v += 1) {
    db.transaction(() => {
      db.exec(migrations[v] ?? '');
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
