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
  cacheStatements(db);
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

/** Statements kept per connection; past this many distinct SQL texts the cache starts over. */
const STATEMENT_CACHE_LIMIT = 500;

/**
 * Makes db.prepare() return the statement prepared before for the same SQL text, instead of parsing
 * it again on every call (the queue prepares per operation; at hundreds of operations per second the
 * parsing showed in profiles). Safe for the way camlink uses statements: run/get/all, never iterate()
 * (a statement busy iterating can't be reused) and never pluck()/raw()/expand() (they change a
 * statement for every later user).
 */
export function cacheStatements(db: Db): Db {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, ReturnType<Db['prepare']>>();
  const cached = (sql: string) => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      if (cache.size >= STATEMENT_CACHE_LIMIT) cache.clear();
      statement = prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
  db.prepare = cached as Db['prepare'];
  return db;
}
