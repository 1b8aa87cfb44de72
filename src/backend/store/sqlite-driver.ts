/**
 * SQLite through better-sqlite3 12 (WAL, synchronous=FULL: an acknowledged write is on disk). The
 * connection is synchronous, so async transactions are serialized by a queue: while one is open, other
 * statements wait for it instead of running inside it.
 *
 * A damaged file or a full disk, at open or on any statement, is a CamlinkError naming the file:
 * DATABASE_CORRUPT or STORAGE_FULL (retryable: the API answers 507, the camera asks again later).
 */
import type { CamlinkError } from '../../errors/camlink-error.js';
import { cacheStatements, checkSqliteIntegrity, openSqliteFile, sqliteFailure } from '../../util/sqlite.js';
import type { Row, SqlDriver, SqlExecutor, SqlValue } from './driver.js';

/** `$1..$n` to `?`, with the parameters in the order they appear (a `$n` may appear twice). */
export function toSqlitePlaceholders(
  sql: string,
  params: readonly SqlValue[],
): { sql: string; params: SqlValue[] } {
  const ordered: SqlValue[] = [];
  const text = sql.replace(/\$(\d+)/g, (_m, n: string) => {
    const index = Number(n) - 1;
    if (index < 0 || index >= params.length) throw new RangeError(`no parameter $${n}`);
    ordered.push(params[index] ?? null);
    return '?';
  });
  return { sql: text, params: ordered };
}

export interface SqliteDriverOptions {
  /** The data dir, for the advice in a DATABASE_CORRUPT message. */
  readonly dataDir?: string | undefined;
  /** Open read-only, without changing the file's settings (camlink fsck's report). */
  readonly readonly?: boolean;
  /** Told about every DATABASE_CORRUPT or STORAGE_FULL a statement met (the backend's /healthz). */
  readonly onFailure?: (err: CamlinkError) => void;
}

export function openSqliteDriver(path: string, options: SqliteDriverOptions = {}): SqlDriver {
  const id = { what: 'backend', dataDir: options.dataDir };
  const db = openSqliteFile(path, id, undefined, { readonly: options.readonly === true });

  cacheStatements(db);
  // Runtime errors name the file only by its base name: they reach API clients and cameras.
  const named = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      const failure = sqliteFailure(err, path, id, { clientSafe: true });
      if (failure === undefined) throw err;
      options.onFailure?.(failure);
      throw failure;
    }
  };
  const direct: SqlExecutor = {
    query(sql, params = []) {
      const p = toSqlitePlaceholders(sql, params);
      return Promise.resolve(named(() => db.prepare(p.sql).all(...p.params) as Row[]));
    },
    run(sql, params = []) {
      const p = toSqlitePlaceholders(sql, params);
      return Promise.resolve(named(() => db.prepare(p.sql).run(...p.params).changes));
    },
  };

  let queue: Promise<unknown> = Promise.resolve();
  function serialized<T>(fn: () => Promise<T>): Promise<T> {
    const result = queue.then(fn);
    queue = result.catch(() => undefined);
    return result;
  }

  return {
    dialect: 'sqlite',
    query: (sql, params) => serialized(() => direct.query(sql, params)),
    run: (sql, params) => serialized(() => direct.run(sql, params)),
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      return serialized(async () => {
        named(() => db.exec('BEGIN IMMEDIATE'));
        try {
          const value = await fn(direct);
          named(() => db.exec('COMMIT'));
          return value;
        } catch (err) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw err;
        }
      });
    },
    exec(_tx, sql) {
      named(() => db.exec(sql));
      return Promise.resolve();
    },
    checkIntegrity: (mode) => serialized(() => Promise.resolve(checkSqliteIntegrity(db, mode))),
    lockMigrations: () => Promise.resolve(),
    close: () =>
      serialized(() => {
        if (db.open) db.close();
        return Promise.resolve();
      }),
  };
}
