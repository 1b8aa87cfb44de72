/**
 * `camlink camera` as a separate process: the app (this test) reaches it over PTP/IP, pairs by its
 * signature, hands over a pre-signed URL and asks it to upload a picture; the camera process PUTs and
 * announces over its own MQTT session; the backend records it. SIGTERM stops the camera with exit 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BackendEvent } from '../../src/app/backend-client.js';
import { sampleJpeg } from '../../src/device/sample-images.js';
import { EventCode, OperationCode } from '../../src/ptp/codes.js';
import { PtpIpInitiator } from '../../src/ptp/initiator.js';
import { appWorld } from '../helpers/app-world.js';
import { CAMLINK_BIN, cli, errorCodeOf } from '../helpers/cli.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

test('camlink camera: a separate process the app pairs with and uploads through (keys from DATA_DIR/devices)', async (t) => {
  const dir = await tempDir(t);
  const { platform } = await startTestPlatform(t, join(dir, 'platform'), {
    extra: { backend: { reconciler: { waitTimeSeconds: 1 } } },
  });
  const world = await appWorld(t, platform);
  const cam = await world.provision('cam-cli');
  // Where `camlink device create cam-cli --data-dir DATA` puts them: camlink camera finds them without
  // --cert/--key (the flags are exercised by camera-trust and camera-device-endpoints).
  const dataDir = join(dir, 'data');
  await mkdir(join(dataDir, 'devices'), { recursive: true });
  await writeFile(join(dataDir, 'devices', 'cam-cli.cert.pem'), cam.certificatePem);
  await writeFile(join(dataDir, 'devices', 'cam-cli.key.pem'), cam.keyPem, { mode: 0o600 });
  const images = join(dir, 'images');
  await mkdir(images);
  const picture = sampleJpeg('from the camera process');
  await writeFile(join(images, 'IMG_0001.JPG'), picture);

  const child = spawn(
    process.execPath,
    [
      CAMLINK_BIN,
      'camera',
      '--device-id',
      'cam-cli',
      '--data-dir',
      dataDir,
      '--endpoints',
      platform.endpointsPath,
      '--ptpip-port',
      '0',
      '--images',
      images,
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const found = /PTP\/IP 127\.0\.0\.1:(\d+)/.exec(stdout)?.[1];
      if (found) resolve(Number(found));
    });
    child.once('exit', (code) => reject(new Error(`camlink camera exited ${code}: ${stdout}${stderr}`)));
  });
  assert.match(stdout, /camera ready: cam-cli, .* 1 picture\(s\)/);

  const { client: app } = await world.user('Alice');
  const ptp = await PtpIpInitiator.connect('127.0.0.1', port);
  t.after(() => ptp.close());
  await ptp.openSession();
  const challenge = await app.createChallenge('cam-cli');
  await ptp.transaction(
    OperationCode.CamlinkSignChallenge,
    [],
    Buffer.from(challenge.signingInput, 'base64'),
  );
  await app.pair(challenge.challengeId, (await ptp.transaction(OperationCode.CamlinkGetSignature)).data);

  const abort = new AbortController();
  t.after(() => abort.abort());
  let recorded!: (e: BackendEvent) => void;
  const completed = new Promise<BackendEvent>((resolve) => (recorded = resolve));
  await new Promise<void>((opened) => {
    void app.watch((e) => e.type === 'upload.completed' && recorded(e), abort.signal, opened);
  });
  const handles = (await ptp.transaction(OperationCode.GetObjectHandles, [0x00010001, 0, 2])).data;
  const handle = handles.readUInt32LE(4);
  const target = await app.issueUpload('cam-cli', { contentType: 'image/jpeg', size: picture.length });
  await ptp.transaction(OperationCode.CamlinkSetUploadTarget, [], Buffer.from(JSON.stringify(target)));
  const done = ptp.nextEvent(EventCode.CamlinkUploadComplete);
  await ptp.transaction(OperationCode.CamlinkUploadObject, [handle]);
  await done;
  assert.equal((await completed).data.uploadId, target.uploadId);
  assert.equal((await app.getUpload(target.uploadId)).upload.status, 'done');

  ptp.close();
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  assert.equal(((await exited) as [number | null])[0], 0);
});

test('camlink camera refuses missing flags and bad ports with coded errors', async () => {
  assert.equal(errorCodeOf(await cli(['camera', '--device-id', 'cam-x'])), 'CLI_USAGE');
  const badPort = await cli([
    'camera',
    '--device-id',
    'cam-x',
    '--cert',
    'c',
    '--key',
    'k',
    '--ptpip-port',
    '99999',
  ]);
  assert.equal(errorCodeOf(badPort), 'CLI_USAGE');
  const badId = await cli(['camera', '--device-id', 'cam/x', '--cert', 'c', '--key', 'k']);
  assert.equal(errorCodeOf(badId), 'DEVICE_ID_INVALID');
  const help = await cli(['camera', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--ptpip-port/);
});

test('camlink camera without --cert/--key names the DATA_DIR/devices files it looked for', async (t) => {
  const dataDir = await tempDir(t);
  const devices = join(dataDir, 'devices');
  for (const argv of [['camera'], ['camera', 'stream']]) {
    const none = await cli([...argv, '--device-id', 'cam-x', '--data-dir', dataDir]);
    assert.equal(none.code, 2, argv.join(' '));
    assert.equal(errorCodeOf(none), 'CLI_USAGE');
    assert.ok(none.stderr.includes(join(devices, 'cam-x.cert.pem')), none.stderr);
    assert.ok(none.stderr.includes(join(devices, 'cam-x.key.pem')), none.stderr);
    assert.match(none.stderr, /camlink device create cam-x/);
  }
  await mkdir(devices);
  await writeFile(join(devices, 'cam-x.cert.pem'), 'not read before the key is found');
  const noKey = await cli(['camera', '--device-id', 'cam-x', '--data-dir', dataDir]);
  assert.equal(errorCodeOf(noKey), 'CLI_USAGE');
  assert.ok(noKey.stderr.includes(join(devices, 'cam-x.key.pem')), noKey.stderr);
  assert.ok(!noKey.stderr.includes('cam-x.cert.pem'), 'only the missing file is named');
  // A --key given by hand is not looked for in DATA_DIR/devices: the command goes on to its endpoints.
  const withKey = await cli(['camera', '--device-id', 'cam-x', '--key', 'k', '--data-dir', dataDir]);
  assert.notEqual(errorCodeOf(withKey), 'CLI_USAGE', withKey.stderr);
  assert.match(withKey.stderr, /endpoints\.json/);
});
