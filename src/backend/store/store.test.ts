/** The BackendStore contract, run unchanged against SQLite and PostgreSQL. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { storeTest, TEST_POSTGRES_URL } from '../../../test/helpers/backend-store.js';
import { MIGRATIONS } from './migrations.js';
import { isNewerPresence } from '../presence/order.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import { openBackendStore } from './open.js';
import type { ApiToken, BackendStore, Upload } from './types.js';
import { openSqliteDriver, toSqlitePlaceholders } from './sqlite-driver.js';
import { openPostgresDriver } from './postgres-driver.js';
import { migrate } from './migrations.js';
import { expiredPendingSelect } from './sql-store.js';
import { createTestSchema } from '../../../test/helpers/backend-store.js';

const alice = { id: 'u-alice', name: 'Alice', createdAt: 1_000 };
const bob = { id: 'u-bob', name: 'Bob', createdAt: 2_000 };

function token(id: string, userId: string | undefined, hash: string): ApiToken {
  return {
    id,
    userId,
    scope: userId === undefined ? 'operator' : 'user',
    tokenHash: hash,
    createdAt: 5,
    lastUsedAt: undefined,
    revokedAt: undefined,
  };
}

async function withDevices(store: BackendStore, ...ids: string[]): Promise<void> {
  for (const id of ids) await store.upsertDevice({ deviceId: id, certificateId: undefined }, 10);
}

test('$n placeholders become ? in the order they appear', () => {
  assert.deepEqual(toSqlitePlaceholders('a = $2 OR b = $1 OR c = $2', ['x', 'y']), {
    sql: 'a = ? OR b = ? OR c = ?',
    params: ['y', 'x', 'y'],
  });
  assert.throws(() => toSqlitePlaceholders('a = $3', ['x']), RangeError);
});

storeTest('ping answers and the dialect is reported', async (_t, store, kind) => {
  await store.ping();
  assert.equal(store.dialect, kind);
});

test('reopening a SQLite file migrates nothing and keeps the data', async (t) => {
  const path = join(await tempDir(t), 'b.db');
  const first = await openBackendStore({ kind: 'sqlite', path }, 0);
  await first.createUser(alice);
  await first.close();
  const second = await openBackendStore({ kind: 'sqlite', path }, 0);
  assert.deepEqual(await second.findUser(alice.id), alice);
  await second.close();
});

storeTest('users: create once, find, duplicates refused', async (_t, store) => {
  assert.equal(await store.createUser(alice), true);
  assert.equal(await store.createUser({ ...alice, name: 'Other' }), false);
  assert.deepEqual(await store.findUser(alice.id), alice);
  assert.equal(await store.findUser('nobody'), undefined);
});

storeTest('a user and their first token are created together or not at all', async (_t, store) => {
  assert.equal(await store.createUserWithToken(alice, token('t1', alice.id, 'h1')), true);
  assert.equal(await store.createUserWithToken(alice, token('t2', alice.id, 'h2')), false);
  assert.equal(await store.findTokenByHash('h2'), undefined);
  // A token collision rolls the user back.
  await assert.rejects(store.createUserWithToken(bob, token('t3', bob.id, 'h1')));
  assert.equal(await store.findUser(bob.id), undefined);
});

storeTest('tokens: found by hash, touched, revoked once; scope matches user', async (_t, store) => {
  await store.createUser(alice);
  assert.equal(await store.createToken(token('t1', alice.id, 'h1')), true);
  assert.equal(await store.createToken(token('t1', alice.id, 'h9')), false, 'duplicate id');
  assert.equal(await store.createToken(token('t9', alice.id, 'h1')), false, 'duplicate hash');
  assert.equal(await store.createToken(token('op', undefined, 'hop')), true);
  assert.deepEqual(await store.findTokenByHash('h1'), token('t1', alice.id, 'h1'));
  assert.equal((await store.findTokenByHash('hop'))?.scope, 'operator');
  await store.touchToken('t1', 77);
  assert.equal((await store.findTokenByHash('h1'))?.lastUsedAt, 77);
  assert.equal(await store.revokeToken('t1', 88), true);
  assert.equal(await store.revokeToken('t1', 99), false);
  assert.equal((await store.findTokenByHash('h1'))?.revokedAt, 88);
  // A user token without a user, or an operator token with one, violates the CHECK.
  await assert.rejects(store.createToken({ ...token('bad', undefined, 'hb'), scope: 'user' }));
  assert.equal(await store.findTokenByHash('hb'), undefined);
});

storeTest('devices: upsert keeps created_at and updates the certificate', async (_t, store) => {
  const first = await store.upsertDevice({ deviceId: 'cam-1', certificateId: undefined }, 10);
  assert.deepEqual(first, { deviceId: 'cam-1', certificateId: undefined, createdAt: 10 });
  const second = await store.upsertDevice({ deviceId: 'cam-1', certificateId: 'abc' }, 20);
  assert.deepEqual(second, { deviceId: 'cam-1', certificateId: 'abc', createdAt: 10 });
  assert.equal(await store.createDevice({ deviceId: 'cam-1', certificateId: undefined }, 30), false);
  assert.equal((await store.findDevice('cam-1'))?.certificateId, 'abc');
  assert.equal(await store.createDevice({ deviceId: 'cam-0', certificateId: undefined }, 30), true);
  assert.deepEqual(
    (await store.listDevices()).map((d) => d.deviceId),
    ['cam-0', 'cam-1'],
  );
  assert.equal(await store.findDevice('cam-9'), undefined);
});

storeTest('a device belongs to at most one user', async (_t, store) => {
  await store.createUser(alice);
  await store.createUser(bob);
  await withDevices(store, 'cam-1', 'cam-2');
  assert.equal(await store.linkUserDevice(alice.id, 'cam-1', 30), 'linked');
  assert.equal(await store.linkUserDevice(alice.id, 'cam-1', 31), 'already-linked');
  assert.equal(await store.linkUserDevice(bob.id, 'cam-1', 32), 'owned-by-other');
  assert.equal(await store.linkUserDevice(bob.id, 'cam-9', 32), 'no-such-device');
  assert.equal(await store.linkUserDevice('nobody', 'cam-2', 32), 'no-such-user');
  assert.deepEqual(await store.findDeviceOwner('cam-1'), {
    userId: alice.id,
    deviceId: 'cam-1',
    pairedAt: 30,
  });
  assert.deepEqual(
    (await store.listUserDevices(alice.id)).map((d) => d.deviceId),
    ['cam-1'],
  );
  assert.deepEqual(await store.listUserDevices(bob.id), []);
  assert.equal(await store.unlinkUserDevice(bob.id, 'cam-1'), false);
  assert.equal(await store.unlinkUserDevice(alice.id, 'cam-1'), true);
  assert.equal(await store.linkUserDevice(bob.id, 'cam-1', 40), 'linked');
});

storeTest('racing links: exactly one user wins a device', async (_t, store) => {
  await store.createUser(alice);
  await store.createUser(bob);
  await withDevices(store, 'cam-r');
  const results = await Promise.all([
    store.linkUserDevice(alice.id, 'cam-r', 1),
    store.linkUserDevice(bob.id, 'cam-r', 1),
  ]);
  assert.deepEqual([...results].sort(), ['linked', 'owned-by-other']);
});

storeTest('pairing challenges are spent once and expire', async (_t, store) => {
  await store.createUser(alice);
  const challenge = {
    id: 'c1',
    userId: alice.id,
    deviceId: undefined,
    nonce: 'n',
    expiresAt: 100,
    usedAt: undefined,
  };
  await store.createPairingChallenge(challenge);
  await store.createPairingChallenge({ ...challenge, id: 'c2', deviceId: 'cam-x' });
  assert.deepEqual(await store.findPairingChallenge('c1'), challenge);
  assert.equal(await store.consumePairingChallenge('c2', 100), 'expired');
  const spent = await Promise.all([
    store.consumePairingChallenge('c1', 50),
    store.consumePairingChallenge('c1', 51),
  ]);
  assert.deepEqual([...spent].sort(), ['already-used', 'consumed']);
  assert.equal(await store.consumePairingChallenge('nope', 1), 'not-found');
});

storeTest('open pairing challenges are counted per user: unused and unexpired', async (_t, store) => {
  await store.createUser(alice);
  await store.createUser(bob);
  const base = { userId: alice.id, deviceId: 'cam-x', nonce: 'n', usedAt: undefined };
  await store.createPairingChallenge({ ...base, id: 'a1', expiresAt: 100 });
  await store.createPairingChallenge({ ...base, id: 'a2', expiresAt: 200 });
  await store.createPairingChallenge({ ...base, id: 'a3', expiresAt: 200 });
  await store.createPairingChallenge({ ...base, id: 'b1', userId: bob.id, expiresAt: 200 });
  assert.equal(await store.countOpenPairingChallenges(alice.id, 50), 3);
  assert.equal(await store.consumePairingChallenge('a3', 60), 'consumed');
  assert.equal(await store.countOpenPairingChallenges(alice.id, 60), 2);
  assert.equal(await store.countOpenPairingChallenges(alice.id, 100), 1, 'expired at expiresAt');
  assert.equal(await store.countOpenPairingChallenges(bob.id, 100), 1);
  assert.equal(await store.countOpenPairingChallenges('u-nobody', 0), 0);
  // Purging keeps what is still open: a1 expired at 100, a3 was spent at 60.
  assert.equal(await store.purgePairingChallenges(150), 2);
  assert.equal(await store.findPairingChallenge('a1'), undefined);
  assert.equal(await store.findPairingChallenge('a3'), undefined);
  assert.equal((await store.findPairingChallenge('a2'))?.id, 'a2');
  assert.equal(await store.countOpenPairingChallenges(alice.id, 150), 1);
  assert.equal(await store.purgePairingChallenges(150), 0);
});

function pendingUpload(uploadId: string, deviceId: string, createdAt: number): Upload {
  return {
    uploadId,
    deviceId,
    userId: alice.id,
    requestedBy: 'app',
    bucket: 'photos',
    key: `devices/${deviceId}/${uploadId}.jpg`,
    contentType: 'image/jpeg',
    maxSize: 25 * 1024 * 1024,
    declaredSha256: undefined,
    status: 'pending',
    size: undefined,
    sha256: undefined,
    url: undefined,
    capturedAt: undefined,
    createdAt,
    expiresAt: createdAt + 900_000,
    completedAt: undefined,
    rejectedReason: undefined,
    deletedAt: undefined,
  };
}

storeTest('uploads round-trip every column', async (_t, store) => {
  await store.createUser(alice);
  await withDevices(store, 'cam-1');
  const upload = pendingUpload('up-1', 'cam-1', 1);
  await store.createUpload(upload);
  assert.deepEqual(await store.findUpload('up-1'), upload);
  await assert.rejects(store.createUpload(upload));
  await assert.rejects(store.createUpload({ ...upload, uploadId: 'up-2', deviceId: 'cam-unknown' }));
  assert.equal(await store.findUpload('up-2'), undefined);
  const device = { ...pendingUpload('up-3', 'cam-1', 2), userId: undefined, requestedBy: 'device' as const };
  await store.createUpload(device);
  assert.deepEqual(await store.findUpload('up-3'), device);
});

const SHA = 'a'.repeat(64);
const completion = { size: 10, sha256: SHA, url: 'https://s3/photos/k', capturedAt: 7, completedAt: 8 };

storeTest('completing an upload is atomic and idempotent; replays change nothing', async (_t, store) => {
  await store.createUser(alice);
  await withDevices(store, 'cam-1');
  await store.createUpload(pendingUpload('up-1', 'cam-1', 1));
  const results = await Promise.all([1, 2, 3].map(() => store.completeUpload('up-1', completion)));
  assert.deepEqual(results.filter((r) => r === 'completed').length, 1);
  assert.deepEqual(results.filter((r) => r === 'duplicate').length, 2);
  const done = await store.findUpload('up-1');
  assert.equal(done?.status, 'done');
  assert.equal(done?.url, completion.url);
  assert.equal(done?.capturedAt, 7);
  assert.equal(done?.completedAt, 8);
  // A replay with another object, or later, changes nothing.
  assert.equal(await store.completeUpload('up-1', { ...completion, sha256: 'b'.repeat(64) }), 'conflict');
  assert.equal(await store.completeUpload('up-1', { ...completion, completedAt: 99 }), 'duplicate');
  assert.deepEqual(await store.findUpload('up-1'), done);
  assert.equal(await store.completeUpload('up-none', completion), 'not-found');

  await store.createUpload(pendingUpload('up-2', 'cam-1', 2));
  assert.equal(await store.rejectUpload('up-2', 'size mismatch', 9), true);
  assert.equal(await store.rejectUpload('up-2', 'again', 10), false);
  assert.equal((await store.findUpload('up-2'))?.rejectedReason, 'size mismatch');
  assert.equal(await store.completeUpload('up-2', completion), 'conflict');

  assert.equal(await store.markUploadDeleted('up-1', 11), true);
  assert.equal(await store.markUploadDeleted('up-1', 12), false);
  assert.equal((await store.findUpload('up-1'))?.deletedAt, 11);
  assert.equal(await store.completeUpload('up-1', completion), 'conflict');
});

storeTest(
  'device uploads page newest first by (createdAt, uploadId), without deleted ones',
  async (_t, store) => {
    await store.createUser(alice);
    await withDevices(store, 'cam-1', 'cam-2');
    for (const [id, at] of [
      ['a', 1],
      ['b', 2],
      ['c', 2],
      ['d', 3],
      ['e', 4],
    ] as const) {
      await store.createUpload(pendingUpload(id, 'cam-1', at));
    }
    await store.createUpload(pendingUpload('other', 'cam-2', 5));
    await store.completeUpload('d', completion);
    await store.markUploadDeleted('e', 6);
    const seen: string[] = [];
    let before: { createdAt: number; uploadId: string } | undefined;
    for (;;) {
      const page = await store.listDeviceUploads('cam-1', { limit: 2, ...(before ? { before } : {}) });
      seen.push(...page.uploads.map((u) => u.uploadId));
      if (page.next === undefined) break;
      before = page.next;
    }
    assert.deepEqual(seen, ['d', 'c', 'b', 'a']);
    const done = await store.listDeviceUploads('cam-1', { limit: 10, statuses: ['done'] });
    assert.deepEqual(
      done.uploads.map((u) => u.uploadId),
      ['d'],
    );
    assert.equal(done.next, undefined);
  },
);

test('replicas migrating one PostgreSQL schema at once apply each migration once', async (t) => {
  const schema = `camlink_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  t.after(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const location = { kind: 'postgres' as const, url: TEST_POSTGRES_URL, schema };
  const replicas = await Promise.all([1, 2, 3].map(() => openBackendStore(location, 0)));
  for (const replica of replicas) t.after(() => replica.close());
  const rows = await admin.query<{ version: string }>(`SELECT version FROM ${schema}.schema_migrations`);
  assert.deepEqual(
    rows.rows.map((r) => Number(r.version)),
    MIGRATIONS.map((_sql, i) => i + 1),
  );
  assert.equal(await replicas[0]?.createUser(alice), true);
  assert.deepEqual(await replicas[2]?.findUser(alice.id), alice);
});

storeTest(
  'presence: newer events win, older and repeated ones are stale, unknown devices refused',
  async (_t, store) => {
    await withDevices(store, 'cam-1', 'cam-2');
    assert.deepEqual(await store.findPresence(['cam-1', 'cam-2']), new Map());
    const connect4 = { state: 'online', version: 4, at: 2_000 } as const;
    const disconnect3 = { state: 'offline', version: 3, at: 2_100 } as const;
    assert.equal(await store.recordPresence('cam-1', connect4, isNewerPresence), 'recorded');
    // The previous session's disconnect arrives late: it does not overwrite the newer connect.
    assert.equal(await store.recordPresence('cam-1', disconnect3, isNewerPresence), 'stale');
    assert.equal(await store.recordPresence('cam-1', connect4, isNewerPresence), 'stale');
    assert.equal(await store.recordPresence('cam-x', connect4, isNewerPresence), 'no-such-device');
    assert.deepEqual(await store.findPresence(['cam-1', 'cam-2', 'cam-x']), new Map([['cam-1', connect4]]));
    const disconnect4 = { state: 'offline', version: 4, at: 9_000 } as const;
    assert.equal(await store.recordPresence('cam-1', disconnect4, isNewerPresence), 'recorded');
    assert.deepEqual((await store.findPresence(['cam-1'])).get('cam-1'), disconnect4);
    // The device row itself is unchanged by presence.
    assert.deepEqual(await store.findDevice('cam-1'), {
      deviceId: 'cam-1',
      certificateId: undefined,
      createdAt: 10,
    });
  },
);

storeTest(
  'presence: racing writers of one device end in the newest event, whatever the order',
  async (_t, store) => {
    await withDevices(store, 'cam-1');
    const events = Array.from({ length: 12 }, (_, n) => ({
      state: n % 2 === 0 ? ('online' as const) : ('offline' as const),
      version: Math.floor(n / 2),
      at: 1_000 + n * 10,
    }));
    const results = await Promise.all(
      [...events].reverse().map((e) => store.recordPresence('cam-1', e, isNewerPresence)),
    );
    assert.ok(results.includes('recorded'));
    assert.deepEqual((await store.findPresence(['cam-1'])).get('cam-1'), events.at(-1));
  },
);

storeTest(
  'expired pending uploads: oldest expiry first, bounded, resumable, live pending rows only',
  async (_t, store) => {
    await store.createUser(alice);
    await withDevices(store, 'cam-1', 'cam-2');
    // expiresAt = createdAt + 900_000 (pendingUpload); ids chosen so that id order is not expiry order.
    const rows: [string, string, number][] = [
      ['z-oldest', 'cam-1', 1],
      ['b-tie', 'cam-2', 5],
      ['a-tie', 'cam-1', 5],
      ['m', 'cam-1', 7],
      ['y-done', 'cam-1', 2],
      ['x-rejected', 'cam-2', 3],
      ['w-deleted', 'cam-1', 4],
      ['c-live', 'cam-1', 100],
    ];
    for (const [id, device, at] of rows) await store.createUpload(pendingUpload(id, device, at));
    await store.completeUpload('y-done', completion);
    await store.rejectUpload('x-rejected', 'object-missing', 9);
    await store.markUploadDeleted('w-deleted', 9);
    const cutoff = 100 + 900_000; // c-live expires at exactly the cutoff: not before it.
    const ids = (uploads: Upload[]) => uploads.map((u) => u.uploadId);

    const all = await store.listExpiredPendingUploads({ expiredBefore: cutoff, limit: 10 });
    assert.deepEqual(ids(all), ['z-oldest', 'a-tie', 'b-tie', 'm']);
    assert.deepEqual(all[0], pendingUpload('z-oldest', 'cam-1', 1), 'every column, as findUpload');

    // Pages of 2, each after the previous page's last row: every row once, in order.
    const first = await store.listExpiredPendingUploads({ expiredBefore: cutoff, limit: 2 });
    assert.deepEqual(ids(first), ['z-oldest', 'a-tie']);
    const last = first.at(-1);
    assert.ok(last);
    const second = await store.listExpiredPendingUploads({
      expiredBefore: cutoff,
      limit: 2,
      after: { expiresAt: last.expiresAt, uploadId: last.uploadId },
    });
    assert.deepEqual(ids(second), ['b-tie', 'm']);
    const none = await store.listExpiredPendingUploads({
      expiredBefore: cutoff,
      limit: 2,
      after: { expiresAt: 7 + 900_000, uploadId: 'm' },
    });
    assert.deepEqual(none, []);

    // The cutoff is exclusive and earlier cutoffs take fewer rows.
    assert.deepEqual(ids(await store.listExpiredPendingUploads({ expiredBefore: 5 + 900_000, limit: 10 })), [
      'z-oldest',
    ]);
    assert.deepEqual(ids(await store.listExpiredPendingUploads({ expiredBefore: cutoff + 1, limit: 10 })), [
      'z-oldest',
      'a-tie',
      'b-tie',
      'm',
      'c-live',
    ]);
    // A decided row leaves the selection.
    await store.completeUpload('a-tie', completion);
    assert.deepEqual(ids(await store.listExpiredPendingUploads({ expiredBefore: cutoff, limit: 10 })), [
      'z-oldest',
      'b-tie',
      'm',
    ]);
  },
);

storeTest('the declared SHA-256 round-trips; a late capture time fills in a swept row', async (_t, store) => {
  await store.createUser(alice);
  await withDevices(store, 'cam-1');
  const declared = { ...pendingUpload('up-1', 'cam-1', 1), declaredSha256: SHA };
  await store.createUpload(declared);
  assert.deepEqual(await store.findUpload('up-1'), declared);

  // The sweeper completes without a capture time; the late notification's is recorded, once.
  const swept = { ...completion, capturedAt: undefined };
  assert.equal(await store.completeUpload('up-1', swept), 'completed');
  assert.equal((await store.findUpload('up-1'))?.capturedAt, undefined);
  assert.equal(await store.completeUpload('up-1', { ...completion, completedAt: 50 }), 'duplicate');
  const done = await store.findUpload('up-1');
  assert.equal(done?.capturedAt, completion.capturedAt);
  assert.equal(done?.completedAt, completion.completedAt, 'the completion itself is unchanged');
  assert.equal(await store.completeUpload('up-1', { ...completion, capturedAt: 99 }), 'duplicate');
  assert.deepEqual(await store.findUpload('up-1'), done);
  assert.equal(await store.completeUpload('up-1', { ...swept, sha256: 'b'.repeat(64) }), 'conflict');
});

test("the sweeper's selection walks the partial index on both databases", async (t) => {
  const pages = [
    { expiredBefore: 5_000, limit: 100 },
    { expiredBefore: 5_000, limit: 100, after: { expiresAt: 1_000, uploadId: 'up-1' } },
  ];
  const sqlite = openSqliteDriver(join(await tempDir(t), 'plan.db'));
  t.after(() => sqlite.close());
  await migrate(sqlite, 0);
  for (const page of pages) {
    const { sql, params } = expiredPendingSelect(page);
    const plan = (await sqlite.query(`EXPLAIN QUERY PLAN ${sql}`, params)).map((r) => String(r.detail));
    // One range search of the index, in its order: no scan of the table, no sort step.
    assert.deepEqual(plan.length, 1, plan.join('; '));
    assert.match(plan[0] ?? '', /^SEARCH uploads USING INDEX uploads_pending_by_expiry \(expires_at/);
  }

  const postgres = openPostgresDriver({
    connectionString: TEST_POSTGRES_URL,
    schema: await createTestSchema(t),
  });
  t.after(() => postgres.close());
  await migrate(postgres, 0);
  for (const page of pages) {
    const { sql, params } = expiredPendingSelect(page);
    // An empty table would be scanned whatever the indexes: forbid that, so the plan shows the index's use.
    const plan = await postgres.transaction(async (tx) => {
      await tx.run('SET LOCAL enable_seqscan = off');
      return (await tx.query(`EXPLAIN ${sql}`, params)).map((r) => String(r['QUERY PLAN']));
    });
    assert.match(plan.join('\n'), /Index (Only )?Scan using uploads_pending_by_expiry/);
    assert.doesNotMatch(plan.join('\n'), /Sort/);
    if (page.after !== undefined) assert.match(plan.join('\n'), /Index Cond: .*expires_at >= /);
  }
});

storeTest('probeWrite commits a write each time and changes nothing else', async (_t, store) => {
  const before = await store.countRows();
  await store.probeWrite('reconciler', 1_000);
  await store.probeWrite('reconciler', 1_000);
  await store.probeWrite('other', 2_000);
  assert.deepEqual(await store.countRows(), before);
});
