/**
 * Faults of the platform's databases (docs/reliability.md "The fault tests"), each against the embedded
 * platform in-process on free ports:
 *
 * - the backend.db WAL is lost with `done` uploads in it (the database is put back to its last
 *   checkpoint, as a crash that loses the -wal file leaves it): the next start warns with the count,
 *   `camlink fsck` lists the objects without rows, `--repair` rebuilds them, and the API shows them done;
 * - backend.db with damaged pages: the start logs DATABASE_CORRUPT naming the file, the backend serves
 *   what is intact, /healthz answers 503 `degraded` naming the check, and a request that meets a damaged
 *   page answers DATABASE_CORRUPT (not INTERNAL);
 * - backend.db, iot.db or the queue's database that is not a database at all: the start fails with
 *   DATABASE_CORRUPT naming the file and the advice; fsck reports it;
 * - the backend's database on a full disk (a 1 MiB tmpfs, mounted by the test: it needs root or
 *   CAP_SYS_ADMIN and fails with the reason otherwise): an upload-URL request answers STORAGE_FULL,
 *   507 over REST and in the MQTT rejection (retryable), and succeeds once space is freed.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, open, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { isCamlinkError } from '../../src/errors/camlink-error.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { FsckReport } from '../../src/fsck/types.js';
import type { RunningPlatform } from '../../src/platform/platform.js';
import { appWorld } from '../helpers/app-world.js';
import { CameraFleet } from '../helpers/camera-fleet.js';
import { cli } from '../helpers/cli.js';
import { rawRequest } from '../helpers/https.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';
import { mountTmpfs } from '../helpers/tmpfs.js';

type LogLine = Record<string, unknown>;

/** No thumbnails: every object under devices/ is then an upload (the counts below are exact). */
const extra: ConfigInput = { backend: { thumbnails: { enabled: false } } };

async function startPlatform(
  t: TestContext,
  dataDir: string,
  logs: LogLine[] = [],
  onLog?: (line: LogLine) => void,
  config: ConfigInput = extra,
): Promise<RunningPlatform> {
  const { platform } = await startTestPlatform(t, dataDir, {
    extra: config,
    onLog: (line) => {
      logs.push(line);
      onLog?.(line);
    },
  });
  return platform;
}

function fsckJson(stdout: string): FsckReport {
  return JSON.parse(stdout) as FsckReport;
}

function problemsOf(report: FsckReport, kind: string) {
  return report.checks.flatMap((c) => c.findings).filter((f) => f.severity === 'problem' && f.kind === kind);
}

async function removeWal(db: string): Promise<void> {
  await rm(`${db}-wal`, { force: true });
  await rm(`${db}-shm`, { force: true });
}

test(
  'a lost backend.db WAL: the start warns with the count, fsck lists the objects without rows, --repair rebuilds them, the API shows them done',
  { timeout: 300_000 },
  async (t) => {
    const dir = await tempDir(t, 'camlink-wal-');
    const dataDir = join(dir, 'data');
    await mkdir(dataDir);
    const backendDb = join(dataDir, 'backend.db');

    // 1. A camera is provisioned; the platform stops cleanly (the WAL is checkpointed into backend.db).
    const first = await startPlatform(t, dataDir);
    const camera = await (await appWorld(t, first)).provision('cam-wal-1');
    await first.close();
    const checkpoint = join(dir, 'backend.db.checkpoint');
    await copyFile(backendDb, checkpoint);

    // 2. Twelve uploads, all reconciled (`done`): their rows are written after that checkpoint.
    const completed = new Set<string>();
    let onCompleted = () => undefined as void;
    const second = await startPlatform(t, dataDir, [], (l) => {
      if (l.msg === 'upload completed') {
        completed.add(String(l.uploadId));
        onCompleted();
      }
    });
    const world = await appWorld(t, second);
    const fleet = await CameraFleet.start({
      dir: join(dir, 'cameras'),
      cameras: [camera],
      mqttUrl: second.endpoints.mqtt,
      ca: world.ca,
      httpsAgent: world.httpsAgent,
      ready: () => Promise.resolve(),
    });
    t.after(() => fleet.stop());
    await fleet.run(world.operator, camera.deviceId, 12);
    const uploads = [...fleet.acknowledged.values()];
    await new Promise<void>((resolve) => {
      onCompleted = () => uploads.every((u) => completed.has(u.uploadId)) && resolve();
      onCompleted();
    });
    await fleet.stop();
    await second.close();

    // 3. The WAL that held them is lost: backend.db is back at its last checkpoint, without -wal/-shm.
    await copyFile(checkpoint, backendDb);
    await removeWal(backendDb);

    // 4. The next start says so (SQLite cannot: the database is consistent, only older).
    const logs: LogLine[] = [];
    const third = await startPlatform(t, dataDir, logs);
    await third.close();
    const warning = logs.find((l) => l.check === 'objects-without-rows');
    assert.ok(
      warning,
      `a start-up warning about objects without rows: ${JSON.stringify(logs.filter((l) => Number(l.level) >= 40))}`,
    );
    assert.equal(warning.level, 40);
    assert.equal(warning.withoutRow, 12);
    assert.match(String(warning.msg), /camlink fsck --data-dir/);

    // 5. fsck lists exactly the twelve objects, and exits 1 (problems found).
    const keys = uploads.map((u) => u.key).sort();
    const report = await cli(['fsck', '--data-dir', dataDir, '--json']);
    assert.equal(report.code, 1, report.stderr);
    const found = fsckJson(report.stdout);
    assert.deepEqual(
      problemsOf(found, 'object-without-row')
        .map((f) => f.key)
        .sort(),
      keys,
    );
    assert.equal(found.problems, 12);
    assert.ok(found.advice.some((a) => a.includes('--repair')));

    // 6. --repair rebuilds the rows (exit 1: problems found, all repaired); a second run finds nothing.
    const repair = await cli(['fsck', '--data-dir', dataDir, '--repair', '--json']);
    assert.equal(repair.code, 1, repair.stderr);
    const repaired = fsckJson(repair.stdout);
    assert.equal(repaired.repaired, 12);
    assert.equal(repaired.remaining, 0);
    const again = await cli(['fsck', '--data-dir', dataDir]);
    assert.equal(again.code, 0, again.stdout);
    assert.match(again.stdout, /No problems found/);

    // 7. The API shows them done, with the size and SHA-256 the camera uploaded.
    const fourth = await startPlatform(t, dataDir);
    const { operator } = await appWorld(t, fourth);
    for (const u of uploads) {
      const { upload } = await operator.getUpload(u.uploadId);
      assert.equal(upload.status, 'done', u.uploadId);
      assert.equal(upload.deviceId, camera.deviceId);
      assert.equal(upload.size, u.size);
      assert.equal(upload.sha256, u.sha256);
    }
  },
);

test('backend.db with damaged pages: DATABASE_CORRUPT logged with the file, /healthz degraded, requests answer DATABASE_CORRUPT', async (t) => {
  const dataDir = await tempDir(t, 'camlink-pages-');
  const backendDb = join(dataDir, 'backend.db');
  await (await startPlatform(t, dataDir)).close();

  // Enough users for their table to span many pages, then every leaf page of it overwritten.
  const db = new Database(backendDb);
  const insert = db.prepare('INSERT INTO users (id, name, created_at) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < 3000; i++) insert.run(`usr_filler_${i}`, `filler user ${i}`, Date.now());
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  const pageSize = Number(db.pragma('page_size', { simple: true }));
  const leaves = db.prepare("SELECT pageno FROM dbstat WHERE name = 'users' AND pagetype = 'leaf'").all() as {
    pageno: number;
  }[];
  db.close();
  await removeWal(backendDb);
  assert.ok(leaves.length > 10, `users spans ${leaves.length} leaf pages`);
  const file = await open(backendDb, 'r+');
  for (const { pageno } of leaves) {
    await file.write(Buffer.alloc(pageSize, 0xa5), 0, pageSize, (pageno - 1) * pageSize);
  }
  await file.close();

  // The platform starts (what is intact is served) and says what is wrong.
  const logs: LogLine[] = [];
  const platform = await startPlatform(t, dataDir, logs);
  const logged = logs.find((l) => l.code === 'DATABASE_CORRUPT' && l.file === backendDb);
  assert.ok(logged, 'an error line names the file and DATABASE_CORRUPT');
  assert.equal(logged.level, 50);
  assert.match(String(logged.msg), /camlink fsck --data-dir/);

  const ca = await readFile(platform.endpoints.caPath);
  const agent = new https.Agent({ ca });
  t.after(() => agent.destroy());
  const health = await rawRequest(agent, `${platform.endpoints.api}/healthz`, { method: 'GET' });
  assert.equal(health.status, 503, health.body.toString());
  const body = JSON.parse(health.body.toString()) as {
    status: string;
    checks: { name: string; check: string; code: string }[];
  };
  assert.equal(body.status, 'degraded');
  assert.deepEqual(
    body.checks.map((c) => [c.name, c.check, c.code]),
    [['backend.db', 'quick_check', 'DATABASE_CORRUPT']],
  );

  // What is intact answers; what meets a damaged page answers DATABASE_CORRUPT, not INTERNAL.
  const { operator } = await appWorld(t, platform);
  assert.equal((await operator.me()).kind, 'operator');
  await assert.rejects(operator.createUser('mallory'), (err) => isCamlinkError(err, 'DATABASE_CORRUPT'));
  await platform.close();

  const report = await cli(['fsck', '--data-dir', dataDir, '--json']);
  assert.equal(report.code, 1, report.stderr);
  assert.deepEqual(
    problemsOf(fsckJson(report.stdout), 'database-damaged').map((f) => f.file),
    [backendDb],
  );
});

test('a file that is not a database (backend.db, iot.db, queue.db): the start fails with DATABASE_CORRUPT naming the file', async (t) => {
  const dataDir = await tempDir(t, 'camlink-notadb-');
  await (await startPlatform(t, dataDir)).close();
  for (const name of ['backend.db', 'iot.db', join('queue', 'queue.db')]) {
    const path = join(dataDir, name);
    const original = `${path}.good`;
    await copyFile(path, original);
    await writeFile(path, 'these bytes are not a SQLite database\n'.repeat(200));
    await removeWal(path);
    await assert.rejects(startPlatform(t, dataDir), (err) => {
      assert.ok(isCamlinkError(err, 'DATABASE_CORRUPT'), `${name}: ${String(err)}`);
      assert.ok(err.message.includes(path), `${err.message} names ${path}`);
      assert.match(err.message, /not a database/);
      assert.match(err.message, new RegExp(`camlink fsck --data-dir ${dataDir}`));
      return true;
    });
    const report = await cli(['fsck', '--data-dir', dataDir, '--json']);
    assert.equal(report.code, 1, report.stderr);
    assert.deepEqual(
      problemsOf(fsckJson(report.stdout), 'database-damaged').map((f) => f.file),
      [path],
    );
    await copyFile(original, path);
    await removeWal(path);
  }
  // With every file back, the platform starts.
  await (await startPlatform(t, dataDir)).close();
});

test('the backend database on a full disk: upload-URL requests answer STORAGE_FULL (retryable), over REST and MQTT, and work once space is freed', async (t) => {
  const dir = await tempDir(t, 'camlink-full-');
  const tmpfs = await mountTmpfs('1m');
  const dataDir = join(dir, 'data');
  await mkdir(dataDir);
  const platform = await startPlatform(t, dataDir, [], undefined, {
    backend: { thumbnails: { enabled: false }, store: { sqlitePath: join(tmpfs.dir, 'backend.db') } },
  });
  t.after(() => tmpfs.unmount());
  const world = await appWorld(t, platform);
  const camera = await world.provision('cam-full-1');
  const fleet = await CameraFleet.start({
    dir: join(dir, 'cameras'),
    cameras: [camera],
    mqttUrl: platform.endpoints.mqtt,
    ca: world.ca,
    httpsAgent: world.httpsAgent,
    ready: () => Promise.resolve(),
  });
  t.after(() => fleet.stop());
  const agent = fleet.agent(camera.deviceId);
  const token = (await readFile(platform.operatorTokenFile, 'utf8')).trim();
  const issueOverRest = () =>
    rawRequest(world.httpsAgent, `${platform.endpoints.api}/v1/devices/${camera.deviceId}/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ contentType: 'image/jpeg', size: 1000 }),
    });

  // The disk fills up (another writer).
  const filler = join(tmpfs.dir, 'filler');
  await writeFile(filler, Buffer.alloc(1024 * 1024)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOSPC') throw err;
  });

  const refused = await issueOverRest();
  assert.equal(refused.status, 507, refused.body.toString());
  const error = (JSON.parse(refused.body.toString()) as { error: { code: string; message: string } }).error;
  assert.equal(error.code, 'STORAGE_FULL');
  assert.match(error.message, /backend\.db/);
  assert.ok(!error.message.includes(tmpfs.dir), 'the client is not told server paths');

  await assert.rejects(agent.requestUploadUrl({ contentType: 'image/jpeg', size: 1000 }), (err) => {
    assert.ok(isCamlinkError(err, 'UPLOAD_URL_REJECTED'), String(err));
    assert.equal(err.details?.code, 'STORAGE_FULL');
    assert.equal(err.details?.retryable, true);
    return true;
  });

  // Space is freed: the same requests go through.
  await unlink(filler);
  const issued = await issueOverRest();
  assert.equal(issued.status, 201, issued.body.toString());
  const target = await agent.requestUploadUrl({ contentType: 'image/jpeg', size: 1000 });
  assert.match(target.key, new RegExp(`^devices/${camera.deviceId}/`));
  await fleet.stop();
  await platform.close();
});
