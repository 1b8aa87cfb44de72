/**
 * Opening a service's own SQLite database (better-sqlite3): WAL with synchronous=FULL, so a committed
 * write is on disk when the call returns; foreign keys on; numbered migrations applied in order, one
 * transaction each, recorded in PRAGMA user_version. A database newer than this camlink is refused.
 *
 * Every SQLite file camlink opens goes through openSqliteFile: a file that is not a database or is
 * damaged is DATABASE_CORRUPT, a full disk STORAGE_FULL, both naming the file (sqliteFailure maps the
 * same errors at run time).
 *
 * The native binding is better-sqlite3's own, or one built for the running Node.js's ABI when the native
 * cache has it (src/util/sqlite-binding.ts: one checkout, run by Node 20 and by Node 24).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CamlinkError, systemErrorCode } from '../errors/camlink-error.js';
import type { ErrorCode } from '../errors/registry.js';
import { sqliteNativeBinding } from './sqlite-binding.js';

export type Db = Database.Database;

/** What a failure message says about a database: its role ("backend") and, for advice, its data dir. */
export interface DbIdentity {
  readonly what: string;
  readonly dataDir?: string | undefined;
}

/** better-sqlite3's SqliteError codes are extended (SQLITE_CORRUPT_INDEX...); Node's are ENOSPC etc. */
export function isCorruptionError(err: unknown): boolean {
  const code = systemErrorCode(err);
  return code !== undefined && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
}

export function isDiskFullError(err: unknown): boolean {
  const code = systemErrorCode(err);
  return code === 'SQLITE_FULL' || code === 'ENOSPC';
}

/**
 * The data dir a database file sits in when it is at its usual place (`relative`, e.g. queue/queue.db);
 * undefined elsewhere (the advice then says DATA_DIR).
 */
export function dataDirOf(path: string, relative: string): string | undefined {
  const suffix = join('/', relative);
  return path.endsWith(suffix) ? path.slice(0, -suffix.length) || '/' : undefined;
}

/** The advice for a damaged database file. */
export function corruptionAdvice(dataDir: string | undefined): string {
  return (
    `stop camlink, keep a copy of the file, run \`camlink fsck --data-dir ${dataDir ?? 'DATA_DIR'}\` to ` +
    'see what is affected, and restore the file from a backup'
  );
}

/**
 * DATABASE_CORRUPT or STORAGE_FULL for an error of the database at `path`, or undefined for any other
 * error. `clientSafe` keeps the directory out of the message (it goes to API clients and cameras; the
 * full path is in details.file for the log).
 */
export function sqliteFailure(
  err: unknown,
  path: string,
  id: DbIdentity,
  options: { clientSafe?: boolean } = {},
): CamlinkError | undefined {
  if (err instanceof CamlinkError) return undefined;
  const file = options.clientSafe === true ? basename(path) : path;
  const reason = `${systemErrorCode(err) ?? 'error'}: ${err instanceof Error ? err.message : String(err)}`;
  const details = { file: path };
  if (isCorruptionError(err)) {
    const advice = options.clientSafe === true ? 'the operator must check it' : corruptionAdvice(id.dataDir);
    return new CamlinkError(
      'DATABASE_CORRUPT',
      `the ${id.what} database ${file} is damaged (${reason}): ${advice}`,
      { cause: err, details },
    );
  }
  if (isDiskFullError(err)) {
    return new CamlinkError(
      'STORAGE_FULL',
      `no space left on the disk of the ${id.what} database ${file} (${reason}): ` +
        (options.clientSafe === true ? 'retry later' : 'free disk space; what failed can be retried'),
      { cause: err, details },
    );
  }
  return undefined;
}

/**
 * Opens (creating it and its directory if needed) a SQLite file in WAL mode with synchronous=FULL,
 * foreign keys and a busy timeout. The first pragma reads the header, so a file that is not a database
 * fails here, as DATABASE_CORRUPT naming it; other failures become `fallback` when given.
 */
export function openSqliteFile(
  path: string,
  id: DbIdentity,
  fallback?: ErrorCode,
  options: { readonly?: boolean } = {},
): Db {
  let db: Db | undefined;
  try {
    const nativeBinding = sqliteNativeBinding();
    if (options.readonly === true) {
      db = new Database(path, { readonly: true, fileMustExist: true, nativeBinding });
      db.pragma('schema_version');
    } else {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
      db = new Database(path, { nativeBinding });
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
    }
    return db;
  } catch (err) {
    if (db?.open === true) db.close();
    const named = sqliteFailure(err, path, id);
    if (named !== undefined) throw named;
    if (fallback !== undefined) {
      throw new CamlinkError(fallback, `cannot open the ${id.what} database ${path}`, { cause: err });
    }
    throw err;
  }
}

/**
 * PRAGMA quick_check (`quick`: b-tree structure, O(N)) or integrity_check (`full`: also indexes against
 * their tables). Returns the problems SQLite lists, [] when the database is intact; a check that SQLite
 * cannot even finish (SQLITE_CORRUPT thrown) is one problem with its message.
 */
export function checkSqliteIntegrity(db: Db, mode: 'quick' | 'full', maxProblems = 20): string[] {
  const pragma = mode === 'quick' ? 'quick_check' : 'integrity_check';
  try {
    const rows = db.pragma(`${pragma}(${maxProblems})`) as Record<string, unknown>[];
    // One row per problem, or one row of several lines; "*** in database main ***" only heads them.
    const lines = rows
      .flatMap((row) => String(Object.values(row)[0]).split('\n'))
      .filter((line) => line !== '' && !/^\*\*\* in database \w+ \*\*\*$/.test(line));
    return lines.length === 1 && lines[0] === 'ok' ? [] : lines;
  } catch (err) {
    if (!isCorruptionError(err)) throw err;
    return [
      `${systemErrorCode(err) ?? 'SQLITE_CORRUPT'}: ${err instanceof Error ? err.message : String(err)}`,
    ];
  }
}

/**
 * `code` and `what` name the failure, e.g. QUEUE_STORE_UNAVAILABLE and "queue" (a damaged file or a
 * full disk: DATABASE_CORRUPT or STORAGE_FULL, see openSqliteFile).
 */
export function openMigratedDb(
  path: string,
  migrations: readonly string[],
  failure: { code: ErrorCode; what: string; dataDir?: string },
): Db {
  const id = { what: failure.what, dataDir: failure.dataDir };
  const db = openSqliteFile(path, id, failure.code);
  cacheStatements(db);
  try {
    migrate(db, migrations, failure);
  } catch (err) {
    db.close();
    if (err instanceof CamlinkError) throw err;
    throw (
      sqliteFailure(err, path, id) ??
      new CamlinkError(failure.code, `cannot migrate the ${failure.what} database ${path}`, { cause: err })
    );
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
