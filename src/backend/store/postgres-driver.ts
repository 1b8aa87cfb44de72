/**
 * PostgreSQL through a pg Pool. BIGINT columns come back as strings from pg; the store converts the
 * columns it knows to numbers. `schema` pins search_path (tests isolate themselves in a schema).
 */
import pg from 'pg';
import type { Row, SqlDriver, SqlExecutor } from './driver.js';

/** Any constant: the advisory lock that serializes migrations between replicas. */
const MIGRATION_LOCK_KEY = 0x63616d6c; // "caml"

export interface PostgresDriverOptions {
  connectionString: string;
  schema?: string | undefined;
  max?: number;
}

export function openPostgresDriver(options: PostgresDriverOptions): SqlDriver {
  if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
    throw new RangeError(`invalid schema name ${options.schema}`);
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => undefined);

  const over = (client: pg.Pool | pg.PoolClient): SqlExecutor => ({
    async query(sql, params = []) {
      const result = await client.query<Row>(sql, [...params]);
      return result.rows;
    },
    async run(sql, params = []) {
      const result = await client.query(sql, [...params]);
      return result.rowCount ?? 0;
    },
  });
  const direct = over(pool);
  let closing: Promise<void> | undefined;

  return {
    dialect: 'postgres',
    query: (sql, params) => direct.query(sql, params),
    run: (sql, params) => direct.run(sql, params),
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const value = await fn(over(client));
        await client.query('COMMIT');
        return value;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async exec(tx, sql) {
      await tx.run(sql);
    },
    async lockMigrations(tx) {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    },
    // Idempotent: a second close waits for the first.
    close: () => (closing ??= pool.end()),
  };
}
