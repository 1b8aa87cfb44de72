/**
 * Runs a test body once per backend store: SQLite in a temp dir and PostgreSQL in a fresh schema of the
 * machine's server (CAMLINK_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test),
 * dropped when the test ends.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import pg from 'pg';
import { openBackendStore } from '../../src/backend/store/open.js';
import type { BackendStore } from '../../src/backend/store/types.js';
import { tempDir } from './tmp.js';

export const TEST_POSTGRES_URL =
  process.env.CAMLINK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type StoreKind = 'sqlite' | 'postgres';
export const storeKinds: readonly StoreKind[] = ['sqlite', 'postgres'];

export async function openTestStore(t: TestContext, kind: StoreKind, now = 0): Promise<BackendStore> {
  if (kind === 'sqlite') {
    const dir = await tempDir(t);
    const store = await openBackendStore({ kind: 'sqlite', path: join(dir, 'backend.db') }, now);
    t.after(() => store.close());
    return store;
  }
  const schema = await createTestSchema(t);
  const store = await openBackendStore({ kind: 'postgres', url: TEST_POSTGRES_URL, schema }, now);
  t.after(() => store.close());
  return store;
}

/** A fresh PostgreSQL schema on the test server, dropped when the test ends. */
export async function createTestSchema(t: TestContext, prefix = 'camlink_test'): Promise<string> {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  t.after(async () => {
    const dropper = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await dropper.connect();
    await dropper.query(`DROP SCHEMA ${schema} CASCADE`);
    await dropper.end();
  });
  return schema;
}

/** Declares `name` once per store kind, e.g. "users [sqlite]" and "users [postgres]". */
export function storeTest(
  name: string,
  body: (t: TestContext, store: BackendStore, kind: StoreKind) => Promise<void>,
): void {
  for (const kind of storeKinds) {
    test(`${name} [${kind}]`, async (t) => body(t, await openTestStore(t, kind), kind));
  }
}
