/**
 * SQLite through better-sqlite3 12 (WAL, synchronous=FULL: an acknowledged write is on disk). The
 * connection is synchronous, so async transactions are serialized by a queue: while one is open, other
 * statements wait for it instead of running inside it.
 */
import Database from 'better-sqlite3';
import { cacheStatements } from '../../util/sqlite.js';
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

export function openSqliteDriver(path: string): SqlDriver {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');

  cacheStatements(db);
  const direct: SqlExecutor = {
    query(sql, params = []) {
      const p = toSqlitePlaceholders(sql, params);
      return Promise.resolve(db.prepare(p.sql).all(...p.params) as Row[]);
    },
    run(sql, params = []) {
      const p = toSqlitePlaceholders(sql, params);
      return Promise.resolve(db.prepare(p.sql).run(...p.params).changes);
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
        db.exec('BEGIN IMMEDIATE');
        try {
          const value = await fn(direct);
          db.exec('COMMIT');
          return value;
        } catch (err) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw err;
        }
      });
    },
    exec(_tx, sql) {
      db.exec(sql);
      return Promise.resolve();
    },
    lockMigrations: () => Promise.resolve(),
    close: () =>
      serialized(() => {
        if (db.open) db.close();
        return Promise.resolve();
      }),
  };
}
