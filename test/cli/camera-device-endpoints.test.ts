/**
 * A camera that knows only its device endpoints file (D3): `camlink aws device-endpoints --embedded`
 * writes it from DescribeEndpoint against a running platform; `camlink camera --endpoints F` (a
 * separate process whose data dir holds nothing of the platform) connects, pairs and uploads; `camlink
 * camera stream --endpoints F` gets credentials from the provider and streams to its KVS stream. The
 * video source is a stand-in `ffmpeg` on the PATH that writes a small MKV: what is under test is how
 * the camera finds and trusts its endpoints, not ffmpeg.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BackendEvent } from '../../src/app/backend-client.js';
import { sampleJpeg } from '../../src/device/sample-images.js';
import { EventCode, OperationCode } from '../../src/ptp/codes.js';
import { PtpIpInitiator } from '../../src/ptp/initiator.js';
import { AVCC, frameBytes } from '../../src/video/mkv/testing.js';
import { mkvCluster, mkvHeader } from '../../src/video/mkv/writer.js';
import { appWorld } from '../helpers/app-world.js';
import { CAMLINK_BIN, cli, cliProcess, errorCodeOf } from '../helpers/cli.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

const DEVICE_ENDPOINTS_FORMAT = 'camlink-device-endpoints/1';

test('camlink aws device-endpoints --embedded: a file a camera connects, uploads and streams with', async (t) => {
  const dir = await tempDir(t);
  const platformDir = join(dir, 'platform');
  const { platform } = await startTestPlatform(t, platformDir, {
    extra: { backend: { reconciler: { waitTimeSeconds: 1 } } },
  });
  const e = platform.endpoints;
  const device = join(dir, 'device');
  const file = join(device, 'endpoints.json');

  // Against the running platform, with its defaults: the platform CA for IoT and as the storage CA.
  const made = await cli(['aws', 'device-endpoints', '--embedded', '--data-dir', platformDir, '--out', file]);
  assert.equal(made.code, 0, made.stderr);
  const first = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  assert.deepEqual(first, {
    format: DEVICE_ENDPOINTS_FORMAT,
    mqtt: e.mqtt,
    credentialsProvider: e.iotCredentials,
    roleAlias: 'camlink-camera',
    region: e.region,
    partition: e.partition,
    kvsEndpoint: e.kvs,
    iotCaPath: e.caPath,
    storageCaPath: e.caPath,
  });
  const text = await readFile(file, 'utf8');
  assert.ok(
    !text.includes(e.credentials.secretAccessKey) && !text.includes(e.api),
    'nothing secret or operator',
  );
  const again = await cli([
    'aws',
    'device-endpoints',
    '--embedded',
    '--data-dir',
    platformDir,
    '--out',
    file,
  ]);
  assert.equal(errorCodeOf(again), 'FILE_EXISTS');

  // The CA beside the file (relative paths resolve against it), an explicit video region.
  await mkdir(device, { recursive: true });
  await copyFile(e.caPath, join(device, 'iot-ca.pem'));
  const forced = await cli([
    ...['aws', 'device-endpoints', '--embedded', '--data-dir', platformDir, '--out', file, '--force'],
    ...['--iot-ca', join(device, 'iot-ca.pem'), '--storage-ca', join(device, 'iot-ca.pem')],
    ...['--video-region', e.region, '--json'],
  ]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal((JSON.parse(forced.stdout) as { written: string }).written, file);
  const second = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  assert.equal(second.iotCaPath, 'iot-ca.pem');
  assert.equal(second.storageCaPath, 'iot-ca.pem');
  assert.equal(second.videoRegion, e.region);

  // The camera: its own data dir, no endpoints.json anywhere near it.
  const world = await appWorld(t, platform);
  const cam = await world.provision('cam-devfile');
  await writeFile(join(device, 'cam.cert.pem'), cam.certificatePem);
  await writeFile(join(device, 'cam.key.pem'), cam.keyPem, { mode: 0o600 });
  const home = join(dir, 'camera-home');
  const images = join(dir, 'images');
  await mkdir(images);
  const picture = sampleJpeg('camera with a device endpoints file');
  await writeFile(join(images, 'IMG_0001.JPG'), picture);
  const identity = [
    '--device-id',
    'cam-devfile',
    '--cert',
    join(device, 'cam.cert.pem'),
    '--key',
    join(device, 'cam.key.pem'),
  ];
  const child = spawn(
    process.execPath,
    [
      CAMLINK_BIN,
      'camera',
      ...identity,
      '--endpoints',
      file,
      '--ptpip-port',
      '0',
      '--images',
      images,
      '--log-level',
      'warn',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, CAMLINK_DATA_DIR: home },
    },
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
  assert.match(stdout, new RegExp(`camera ready: cam-devfile, .* MQTT ${e.mqtt.replace(/[.]/g, '\\.')}`));

  const { client: app } = await world.user('Dana');
  const ptp = await PtpIpInitiator.connect('127.0.0.1', port);
  t.after(() => ptp.close());
  await ptp.openSession();
  const challenge = await app.createChallenge('cam-devfile');
  await ptp.transaction(
    OperationCode.CamlinkSignChallenge,
    [],
    Buffer.from(challenge.signingInput, 'base64'),
  );
  await app.pair(challenge.challengeId, (await ptp.transaction(OperationCode.CamlinkGetSignature)).data);
  const abort = new AbortController();
  t.after(() => abort.abort());
  let recorded!: (event: BackendEvent) => void;
  const completed = new Promise<BackendEvent>((resolve) => (recorded = resolve));
  await new Promise<void>((opened) => {
    void app.watch((ev) => ev.type === 'upload.completed' && recorded(ev), abort.signal, opened);
  });
  const handles = (await ptp.transaction(OperationCode.GetObjectHandles, [0x00010001, 0, 2])).data;
  const target = await app.issueUpload('cam-devfile', { contentType: 'image/jpeg', size: picture.length });
  await ptp.transaction(OperationCode.CamlinkSetUploadTarget, [], Buffer.from(JSON.stringify(target)));
  const done = ptp.nextEvent(EventCode.CamlinkUploadComplete);
  await ptp.transaction(OperationCode.CamlinkUploadObject, [handles.readUInt32LE(4)]);
  await done;
  assert.equal((await completed).data.uploadId, target.uploadId);
  assert.equal((await app.getUpload(target.uploadId)).upload.status, 'done');
  ptp.close();
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  assert.equal(((await exited) as [number | null])[0], 0);

  // Video: the credentials provider (IoT CA), then KVS of the file's video region (storage trust).
  const bin = join(dir, 'bin');
  await mkdir(bin);
  const clip = [mkvHeader({ codecPrivate: AVCC, width: 320, height: 240 })];
  for (let c = 0; c < 3; c++) {
    clip.push(
      mkvCluster(c * 1000, [
        { data: frameBytes(200, c), relativeTimecode: 0, keyframe: true },
        { data: frameBytes(50, c + 10), relativeTimecode: 500, keyframe: false },
      ]),
    );
  }
  await writeFile(join(dir, 'clip.mkv'), Buffer.concat(clip));
  await writeFile(join(bin, 'ffmpeg'), `#!/bin/sh\nexec cat '${join(dir, 'clip.mkv')}'\n`);
  await chmod(join(bin, 'ffmpeg'), 0o755);
  const streamed = await cliProcess(
    ['camera', 'stream', ...identity, '--endpoints', file, '--duration', '3', '--no-realtime'],
    {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      CAMLINK_DATA_DIR: home,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  );
  assert.equal(streamed.code, 0, streamed.stdout + streamed.stderr);
  assert.match(streamed.stdout, /^streaming to cam-devfile at https:\/\/127\.0\.0\.1:\d+$/m);
  assert.match(streamed.stdout, /^done: 3 fragment\(s\) sent, 3 acknowledged/m);
});

test('a device endpoints file that breaks the contract is refused with the field named', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'endpoints.json');
  const identity = ['--device-id', 'cam-x', '--cert', join(dir, 'c.pem'), '--key', join(dir, 'k.pem')];
  // A valid file: read, and the first missing file named is the camera's own certificate.
  const valid = {
    format: DEVICE_ENDPOINTS_FORMAT,
    mqtt: 'mqtts://a1-ats.iot.eu-west-1.amazonaws.com:8883',
    credentialsProvider: 'https://c1.credentials.iot.eu-west-1.amazonaws.com',
    region: 'eu-west-1',
    partition: 'aws',
    iotCaPath: 'AmazonRootCA1.pem',
  };
  await writeFile(file, JSON.stringify(valid));
  for (const argv of [['camera'], ['camera', 'stream']]) {
    const run = await cli([...argv, ...identity, '--endpoints', file]);
    assert.equal(errorCodeOf(run), 'FILE_UNREADABLE', run.stderr);
    assert.match(run.stderr, /c\.pem/);
  }
  await writeFile(file, JSON.stringify({ ...valid, mqtt: 'https://not-mqtt:8883' }));
  const bad = await cli(['camera', ...identity, '--endpoints', file]);
  assert.equal(errorCodeOf(bad), 'FILE_UNREADABLE');
  assert.match(bad.stderr, /camlink-device-endpoints\/1 file: mqtt:/);
  await writeFile(file, JSON.stringify({ format: 'camlink-device-endpoints/9' }));
  assert.equal(
    errorCodeOf(await cli(['camera', 'stream', ...identity, '--endpoints', file])),
    'FILE_UNREADABLE',
  );
  const noCa = await cli([
    'aws',
    'device-endpoints',
    '--data-dir',
    dir,
    '--region',
    'eu-west-1',
    '--out',
    file,
    '--force',
  ]);
  assert.equal(errorCodeOf(noCa), 'CLI_USAGE');
  assert.match(noCa.stderr, /--iot-ca F is required/);
  const noOut = await cli(['aws', 'device-endpoints', '--embedded']);
  assert.equal(errorCodeOf(noOut), 'CLI_USAGE');
});
