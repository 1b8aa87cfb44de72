/**
 * Opens the backend store named by the configuration: PostgreSQL when `backend.store.postgresUrl` is
 * set, else SQLite at `backend.store.sqlitePath` (relative paths are inside the data dir). Migrations
 * run before the store is returned.
 */
import { resolve } from 'node:path';
import { CamlinkError } from '../../errors/camlink-error.js';
import { sqliteFailure } from '../../util/sqlite.js';
import type { SqlDriver } from './driver.js';
import { migrate } from './migrations.js';
import { openPostgresDriver } from './postgres-driver.js';
import { openSqliteDriver } from './sqlite-driver.js';
import { SqlBackendStore } from './sql-store.js';
import type { BackendStore } from './types.js';

export type StoreLocation =
  { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; schema?: string | undefined };

export function storeLocation(
  dataDir: string,
  store: { sqlitePath: string; postgresUrl?: string | undefined },
): StoreLocation {
  if (store.postgresUrl !== undefined) return { kind: 'postgres', url: store.postgresUrl };
  return { kind: 'sqlite', path: resolve(dataDir, store.sqlitePath) };
}

export interface OpenStoreOptions {
  /** The data dir, named in the advice of a DATABASE_CORRUPT error. */
  readonly dataDir?: string;
  /** Told about a DATABASE_CORRUPT or STORAGE_FULL met by a SQLite statement (the backend's health). */
  readonly onFailure?: (err: CamlinkError) => void;
}

export async function openBackendStore(
  location: StoreLocation,
  now: number,
  options: OpenStoreOptions = {},
): Promise<BackendStore> {
  let driver: SqlDriver;
  if (location.kind === 'sqlite') {
    driver = openSqliteDriver(location.path, options);
  } else {
    driver = openPostgresDriver({ connectionString: location.url, schema: location.schema });
  }
  try {
    await migrate(driver, now);
  } catch (err) {
    await driver.close().catch(() => undefined);
    // At start the operator reads the error: the full path and the advice, not the client-safe form.
    if (location.kind === 'sqlite' && err instanceof CamlinkError && err.cause !== undefined) {
      const named = sqliteFailure(err.cause, location.path, { what: 'backend', dataDir: options.dataDir });
      if (named !== undefined) throw named;
    }
    throw err;
  }
  return new SqlBackendStore(driver);
}
