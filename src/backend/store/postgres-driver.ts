/**
 * PostgreSQL through a pg Pool. BIGINT columns come back as strings from pg; the store converts the
 * columns it knows to numbers. `schema` pins search_path (tests isolate themselves in a schema).
 * The server's disk_full (SQLSTATE 53100) is STORAGE_FULL and data_corrupted / index_corrupted (XX001,
 * XX002) DATABASE_CORRUPT, as with SQLite.
 */
import pg from 'pg';
import { CamlinkError, systemErrorCode } from '../../errors/camlink-error.js';
import type { Row, SqlDriver, SqlExecutor } from './driver.js';

function postgresFailure(err: unknown): unknown {
  const state = systemErrorCode(err);
  const reason = `SQLSTATE ${state}: ${err instanceof Error ? err.message : String(err)}`;
  if (state === '53100') {
    return new CamlinkError(
      'STORAGE_FULL',
      `no space left on the disk of the backend's PostgreSQL database (${reason}): retry later`,
      { cause: err },
    );
  }
  if (state === 'XX001' || state === 'XX002') {
    return new CamlinkError(
      'DATABASE_CORRUPT',
      `the backend's PostgreSQL database is damaged (${reason}): the operator must check it`,
      { cause: err },
    );
  }
  return err;
}

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
      const result = await client.query<Row>(sql, [...params]).catch((err: unknown) => {
        throw postgresFailure(err);
      });
      return result.rows;
    },
    async run(sql, params = []) {
      const result = await client.query(sql, [...params]).catch((err: unknown) => {
        throw postgresFailure(err);
      });
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
        await client.query('COMMIT').catch((err: unknown) => {
          throw postgresFailure(err);
        });
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
    async checkIntegrity() {
      await direct.query('SELECT 1 AS ok');
      return [];
    },
    // Idempotent: a second close waits for the first.
    close: () => (closing ??= pool.end()),
  };
}
