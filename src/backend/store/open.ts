/**
 * Opens the backend store named by the configuration: PostgreSQL when `backend.store.postgresUrl` is
 * set, else SQLite at `backend.store.sqlitePath` (relative paths are inside the data dir). Migrations
 * run before the store is returned.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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

export async function openBackendStore(location: StoreLocation, now: number): Promise<BackendStore> {
  let driver: SqlDriver;
  if (location.kind === 'sqlite') {
    if (location.path !== ':memory:') mkdirSync(dirname(location.path), { recursive: true });
    driver = openSqliteDriver(location.path);
  } else {
    driver = openPostgresDriver({ connectionString: location.url, schema: location.schema });
  }
  try {
    await migrate(driver, now);
  } catch (err) {
    await driver.close().catch(() => undefined);
    throw err;
  }
  return new SqlBackendStore(driver);
}
