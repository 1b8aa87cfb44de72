import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isCamlinkError } from '../errors/camlink-error.js';
import { checkSqliteIntegrity, dataDirOf, openSqliteFile, sqliteFailure } from './sqlite.js';

test('a file that is not a database is DATABASE_CORRUPT naming it, with the fsck advice; read-only too', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'camlink-sqlite-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'iot.db');
  await writeFile(path, 'not a database\n'.repeat(100));
  for (const readonly of [false, true]) {
    assert.throws(
      () =>
        openSqliteFile(path, { what: 'IoT registry', dataDir: dir }, 'QUEUE_STORE_UNAVAILABLE', { readonly }),
      (err) => {
        assert.ok(isCamlinkError(err, 'DATABASE_CORRUPT'), String(err));
        assert.equal(
          err.message,
          `the IoT registry database ${path} is damaged (SQLITE_NOTADB: file is not a database): stop camlink, keep a copy of the file, run \`camlink fsck --data-dir ${dir}\` to see what is affected, and restore the file from a backup`,
        );
        assert.equal(err.details?.file, path);
        return true;
      },
    );
  }
  // Other failures keep the caller's code.
  assert.throws(
    () =>
      openSqliteFile(join(dir, 'missing.db'), { what: 'queue' }, 'QUEUE_STORE_UNAVAILABLE', {
        readonly: true,
      }),
    (err) => isCamlinkError(err, 'QUEUE_STORE_UNAVAILABLE'),
  );
});

test('runtime failures: client-safe messages name the base name only; a full disk is STORAGE_FULL', () => {
  const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  const named = sqliteFailure(full, '/srv/camlink/backend.db', { what: 'backend' }, { clientSafe: true });
  assert.ok(isCamlinkError(named, 'STORAGE_FULL'));
  assert.equal(named.retryable, true);
  assert.equal(named.status, 507);
  assert.equal(
    named.message,
    'no space left on the disk of the backend database backend.db (SQLITE_FULL: database or disk is full): retry later',
  );
  const corrupt = Object.assign(new Error('database disk image is malformed'), {
    code: 'SQLITE_CORRUPT_INDEX',
  });
  assert.ok(isCamlinkError(sqliteFailure(corrupt, '/x/backend.db', { what: 'backend' }), 'DATABASE_CORRUPT'));
  assert.equal(sqliteFailure(new Error('no such table: x'), '/x/backend.db', { what: 'backend' }), undefined);
});

test('integrity: [] for an intact database', () => {
  const db = openSqliteFile(':memory:', { what: 'test' });
  db.exec('CREATE TABLE t (a TEXT PRIMARY KEY); INSERT INTO t VALUES (1), (2)');
  assert.deepEqual(checkSqliteIntegrity(db, 'quick'), []);
  assert.deepEqual(checkSqliteIntegrity(db, 'full'), []);
  db.close();
});

test('dataDirOf: the data dir of a file at its usual place, else undefined', () => {
  assert.equal(dataDirOf('/srv/data/queue/queue.db', 'queue/queue.db'), '/srv/data');
  assert.equal(dataDirOf('/srv/data/iot.db', 'iot.db'), '/srv/data');
  assert.equal(dataDirOf('/tmp/x/queue.db', 'queue/queue.db'), undefined);
});
