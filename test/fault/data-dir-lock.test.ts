/**
 * One platform per data dir (issue 24, finding 2): a second `camlink up` on a data dir in use was let
 * run, and its start-up scan deleted objects the first had just committed. Now the data dir has a lock
 * (src/platform/data-dir-lock.ts): the second instance is refused with DATA_DIR_LOCKED naming the
 * holder's pid; a lock left by a SIGKILL is stale and taken over by the next start (logged); a clean
 * stop releases it. The lock file is 0600.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { isCamlinkError } from '../../src/errors/camlink-error.js';
import { createLogger } from '../../src/log/logger.js';
import { DATA_DIR_LOCK_FILE, lockDataDir } from '../../src/platform/data-dir-lock.js';
import { processStartTicks } from '../../src/util/process-liveness.js';
import { sdkOptions } from '../helpers/aws.js';
import { CAMLINK_BIN } from '../helpers/cli.js';
import { startPlatformProcess, writePlatformConfig } from '../helpers/platform-process.js';
import { tempDir } from '../helpers/tmp.js';

/** Above Linux's largest pid_max (2^22): never a running process. */
const DEAD_PID = 4_194_305;

function capturingLogger(lines: Record<string, unknown>[]) {
  return createLogger(
    { level: 'info' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
}

async function lockHolder(dataDir: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(dataDir, DATA_DIR_LOCK_FILE), 'utf8')) as Record<string, unknown>;
}

test('lockDataDir: a second holder is refused with the pid; release removes the lock; the file is 0600', async (t) => {
  const dataDir = join(await tempDir(t), 'data');
  const lock = await lockDataDir(dataDir, createLogger({ level: 'silent' }));
  assert.equal((await stat(lock.path)).mode & 0o777, 0o600);
  assert.equal((await lockHolder(dataDir)).pid, process.pid);
  await assert.rejects(lockDataDir(dataDir, createLogger({ level: 'silent' })), (err: unknown) => {
    assert.ok(isCamlinkError(err, 'DATA_DIR_LOCKED'));
    assert.match(err.message, new RegExp(`pid ${process.pid}\\b`));
    assert.match(err.message, /running since \d{4}-/);
    return true;
  });
  await lock.release();
  await assert.rejects(stat(lock.path), { code: 'ENOENT' });
  const again = await lockDataDir(dataDir, createLogger({ level: 'silent' }));
  await again.release();
});

test('lockDataDir: a stale lock (pid gone, or the pid of another process now) is taken over with a log line', async (t) => {
  const dataDir = join(await tempDir(t), 'data');
  await mkdir(dataDir);
  const stale = (holder: Record<string, unknown>) =>
    writeFile(join(dataDir, DATA_DIR_LOCK_FILE), JSON.stringify(holder), { mode: 0o600 });
  const base = { hostname: hostname(), startedAt: '2020-01-01T00:00:00.000Z' };

  await stale({ ...base, pid: DEAD_PID });
  let lines: Record<string, unknown>[] = [];
  let lock = await lockDataDir(dataDir, capturingLogger(lines));
  assert.equal((await lockHolder(dataDir)).pid, process.pid);
  assert.ok(lines.some((l) => l.pid === DEAD_PID && /took over a stale data dir lock/.test(String(l.msg))));
  await lock.release();

  // This pid runs, but started at another time than the lock says: a reused pid, not the holder.
  if (processStartTicks(process.pid) !== undefined) {
    await stale({ ...base, pid: process.pid, processStart: '1' });
    lines = [];
    lock = await lockDataDir(dataDir, capturingLogger(lines));
    assert.ok(lines.some((l) => /took over a stale data dir lock/.test(String(l.msg))));
    await lock.release();
  }

  // Another host's lock cannot be checked from here: refused, with how to remove it by hand.
  await stale({ ...base, hostname: `not-${hostname()}`, pid: DEAD_PID });
  await assert.rejects(lockDataDir(dataDir, createLogger({ level: 'silent' })), (err: unknown) => {
    assert.ok(isCamlinkError(err, 'DATA_DIR_LOCKED'));
    assert.match(err.message, /on host not-/);
    assert.match(err.message, /delete .*camlink\.lock/);
    return true;
  });
});

/** `camlink up ...args` as a process: its exit code and stderr, or 'up' if it came up instead. */
async function secondUp(t: TestContext, args: string[]): Promise<{ code: number | 'up'; stderr: string }> {
  const child = spawn(process.execPath, [CAMLINK_BIN, 'up', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH },
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  let stdout = '';
  const cameUp = new Promise<'up'>((resolve) =>
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
      if (stdout.includes('camlink is up')) resolve('up');
    }),
  );
  const exited = once(child, 'exit').then(([code]) => code as number);
  const code = await Promise.race([exited, cameUp]);
  if (code === 'up') {
    child.kill('SIGKILL');
    await exited;
  }
  return { code, stderr };
}

test('a second `camlink up` on a data dir in use is refused (DATA_DIR_LOCKED, pid); after kill -9 the next start takes the stale lock; stop releases it', async (t) => {
  const dir = await tempDir(t, 'camlink-lock-');
  const dataDir = join(dir, 'data');
  await mkdir(dataDir);
  const configFile = await writePlatformConfig(dataDir, { thumbnails: { enabled: false } });
  const first = await startPlatformProcess(t, configFile, dataDir);
  const ca = await readFile(first.endpoints.caPath);
  const client = () =>
    new S3Client({
      ...sdkOptions(first.endpoints.s3, ca, first.endpoints.credentials),
      forcePathStyle: true,
    });
  const s3 = client();
  t.after(() => s3.destroy());
  await s3.send(new PutObjectCommand({ Bucket: 'camlink-media', Key: 'before.jpg', Body: 'committed' }));

  // Free ports, so nothing but the lock can stop it (as in the finding: its scan ran and deleted).
  const second = await secondUp(t, ['--config', configFile, '--ephemeral-ports']);
  assert.equal(second.code, 1, `the second instance was refused:\n${second.stderr}`);
  assert.match(second.stderr, /\[DATA_DIR_LOCKED\]/);
  assert.match(second.stderr, new RegExp(`pid ${first.pid}\\b`));
  const got = await s3.send(new GetObjectCommand({ Bucket: 'camlink-media', Key: 'before.jpg' }));
  assert.equal(await got.Body!.transformToString(), 'committed');

  await first.kill9();
  assert.equal((await lockHolder(dataDir)).pid, first.pid, 'SIGKILL leaves the lock behind');
  const third = await startPlatformProcess(t, configFile, dataDir);
  assert.ok(
    third.logs.some((l) => l.pid === first.pid && /took over a stale data dir lock/.test(String(l.msg))),
    'the takeover is logged with the old pid',
  );
  assert.equal((await lockHolder(dataDir)).pid, third.pid);
  assert.equal((await stat(join(dataDir, DATA_DIR_LOCK_FILE))).mode & 0o777, 0o600);
  const s3c = client();
  t.after(() => s3c.destroy());
  const again = await s3c.send(new GetObjectCommand({ Bucket: 'camlink-media', Key: 'before.jpg' }));
  assert.equal(await again.Body!.transformToString(), 'committed');

  assert.equal(await third.stop(), 0);
  await assert.rejects(
    stat(join(dataDir, DATA_DIR_LOCK_FILE)),
    { code: 'ENOENT' },
    'a clean stop releases the lock',
  );
});
