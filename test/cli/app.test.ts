/**
 * `camlink app`, the phone-app simulator, against a running platform and a camera on PTP/IP: the
 * operator mints a user token file (0600), the user pairs with the camera, `watch` runs as its own
 * process while `upload` hands a 1.5 MB picture to the camera with progress and exits only when the
 * backend has reconciled it; the stored object is the camera's file byte for byte.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CameraLink } from '../../src/app/camera-link.js';
import { sizedJpeg } from '../../src/device/sample-images.js';
import { appWorld } from '../helpers/app-world.js';
import { CAMLINK_BIN, cli, errorCodeOf } from '../helpers/cli.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

const PICTURE_SIZE = 1_500_000;

test('camlink app: create-user, pair, upload with progress, watch as a process', async (t) => {
  const dir = await tempDir(t);
  const dataDir = join(dir, 'platform');
  const { platform } = await startTestPlatform(t, dataDir, {
    extra: { backend: { reconciler: { waitTimeSeconds: 1 } } },
  });
  const world = await appWorld(t, platform);
  const cam = await world.provision('cam-app');
  const pictures = join(dir, 'pictures');
  await mkdir(pictures);
  const picture = sizedJpeg(PICTURE_SIZE, randomBytes);
  await writeFile(join(pictures, 'IMG_0001.JPG'), picture);
  const camera = await world.startCamera(cam, join(dir, 'camera'), pictures);
  const address = `127.0.0.1:${camera.responder.port}`;
  const base = ['--data-dir', dataDir];

  const created = await cli(['app', 'create-user', '--name', 'Alice', ...base]);
  assert.equal(created.code, 0, created.stderr);
  const tokenFile = join(dataDir, 'app', 'token');
  assert.match(created.stdout, /token file/);
  assert.equal((await stat(tokenFile)).mode & 0o777, 0o600);
  const again = await cli(['app', 'create-user', '--name', 'Alice', ...base]);
  assert.equal(errorCodeOf(again), 'FILE_EXISTS');

  // Not paired yet: the backend refuses the upload URL, and the command says so.
  const early = await cli(['app', 'upload', '--camera', address, ...base]);
  assert.notEqual(early.code, 0);
  assert.ok(errorCodeOf(early), early.stderr);

  const paired = await cli(['app', 'pair', '--camera', address, '--json', ...base]);
  assert.equal(paired.code, 0, paired.stderr);
  assert.equal((JSON.parse(paired.stdout) as { paired: string }).paired, 'cam-app');

  const watcher = spawn(process.execPath, [CAMLINK_BIN, 'app', 'watch', '--count', '1', ...base], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => watcher.kill('SIGKILL'));
  let watched = '';
  watcher.stdout.on('data', (d: Buffer) => (watched += d.toString()));
  await new Promise<void>((resolve, reject) => {
    let err = '';
    watcher.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('watching events')) resolve();
    });
    watcher.once('exit', (code) => reject(new Error(`camlink app watch exited ${code}: ${err}`)));
  });
  const exited = once(watcher, 'exit');

  const link = await CameraLink.connect('127.0.0.1', camera.responder.port);
  const handles = await link.objectHandles();
  const infos = await Promise.all(handles.map(async (h) => ({ h, info: await link.objectInfo(h) })));
  link.close();
  const handle = infos.find((o) => o.info.filename === 'IMG_0001.JPG')?.h;
  assert.ok(handle !== undefined);

  const uploaded = await cli([
    'app',
    'upload',
    '--camera',
    address,
    '--object',
    String(handle),
    '--json',
    ...base,
  ]);
  assert.equal(uploaded.code, 0, uploaded.stderr);
  const result = JSON.parse(uploaded.stdout) as { upload: string; size: number; sha256: string; url: string };
  assert.equal(result.size, PICTURE_SIZE);
  assert.equal(result.sha256, createHash('sha256').update(picture).digest('hex'));
  assert.match(uploaded.stderr, /upload 50% /);
  assert.match(uploaded.stderr, /upload 100% \(1500000 of 1500000 bytes\)/);

  assert.equal(((await exited) as [number | null])[0], 0);
  const event = JSON.parse(watched.trim()) as { type: string; data: { uploadId: string } };
  assert.equal(event.type, 'upload.completed');
  assert.equal(event.data.uploadId, result.upload);

  // Without --object the camera captures a new picture and that one goes up.
  const captured = await cli(['app', 'upload', '--camera', address, '--json', ...base]);
  assert.equal(captured.code, 0, captured.stderr);
  assert.notEqual((JSON.parse(captured.stdout) as { upload: string }).upload, result.upload);
});

test('camlink app refuses bad input with coded errors', async (t) => {
  const dir = await tempDir(t);
  const usage = async (argv: string[]) => {
    const run = await cli(argv);
    assert.equal(errorCodeOf(run), 'CLI_USAGE', `${argv.join(' ')}: ${run.stderr}`);
  };
  await usage(['app', 'pair', '--camera', 'host:99999', '--api', 'https://x.test', '--token-file', 'f']);
  await usage(['app', 'upload', '--timeout', '0', '--data-dir', dir]);
  await usage(['app', 'upload', '--object', 'x', '--data-dir', dir]);
  await usage(['app', 'watch', '--count', '-1', '--data-dir', dir]);
  await usage(['app', 'create-user', '--data-dir', dir]);
  await usage(['app', 'pair', '--api', 'ftp://x', '--data-dir', dir]);
  // No token file yet: the error says how to get one.
  await writeFile(join(dir, 'ca.pem'), '');
  const noToken = await cli(['app', 'pair', '--api', 'https://x.test', '--data-dir', dir]);
  assert.equal(errorCodeOf(noToken), 'CLI_USAGE');
  assert.match(noToken.stderr, /camlink app create-user/);
  const noEndpoints = await cli(['app', 'watch', '--data-dir', dir]);
  assert.equal(errorCodeOf(noEndpoints), 'FILE_UNREADABLE');
});
