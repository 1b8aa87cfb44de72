/**
 * Camera video through the backend, on `camlink up`: provisioning creates the camera's Kinesis video
 * stream (named after its thing); the camera streams with its own temporary credentials; its owner asks
 * the backend for HLS URLs (LIVE and ON_DEMAND) and ffprobe plays the ON_DEMAND one; a stranger gets
 * NOT_FOUND, a time range without video VIDEO_NOT_AVAILABLE, bad queries CLI-style validation errors.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { CamlinkError } from '../../src/errors/camlink-error.js';
import { streamToKvs } from '../../src/device/video/stream.js';
import { CameraLink } from '../../src/app/camera-link.js';
import { appWorld } from '../helpers/app-world.js';
import { rawRequest } from '../helpers/https.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

test('a provisioned camera streams video; its owner gets HLS URLs from the backend', async (t) => {
  const dir = await tempDir(t);
  const { platform } = await startTestPlatform(t, join(dir, 'platform'));
  const world = await appWorld(t, platform);
  const cam = await world.provision('cam-video');
  const e = platform.endpoints;

  // Pair Alice with the camera the product's way (the camera signs over PTP/IP).
  const simulated = await world.startCamera(cam, join(dir, 'camera'));
  const alice = await world.user('Alice');
  const link = await CameraLink.connect('127.0.0.1', simulated.responder.port);
  t.after(() => link.close());
  await link.pair(alice.client);

  // Before any video: LIVE has nothing from the last 30 s.
  await assert.rejects(
    alice.client.videoHls('cam-video'),
    (err: CamlinkError) => err.code === 'VIDEO_NOT_AVAILABLE',
  );

  const before = new Date();
  const summary = await streamToKvs({
    deviceId: cam.deviceId,
    certificatePem: cam.certificatePem,
    keyPem: cam.keyPem,
    ca: world.ca,
    kvsCa: world.ca,
    credentialsUrl: e.iotCredentials ?? '',
    region: e.region,
    kvsEndpoint: e.kvs ?? '',
    durationSeconds: 2,
    realtime: false,
  });
  assert.equal(summary.fragmentsPersisted, 2);

  const live = await alice.client.videoHls('cam-video');
  assert.equal(live.hls.mode, 'LIVE');
  assert.match(
    (await rawRequest(world.httpsAgent, live.hls.url, { method: 'GET' })).body.toString(),
    /^#EXTM3U/,
  );

  // Producer time starts when the camera started streaming; a range around it holds both fragments.
  const onDemand = await alice.client.videoHls('cam-video', {
    mode: 'ON_DEMAND',
    start: new Date(before.getTime() - 60_000),
    end: new Date(Date.now() + 60_000),
  });
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, world.ca);
  const { stdout } = await promisify(execFile)('ffprobe', [
    ...['-v', 'error', '-ca_file', caFile, '-tls_verify', '1', '-count_frames', '-select_streams', 'v'],
    ...['-show_entries', 'stream=codec_name,nb_read_frames', '-of', 'json', onDemand.hls.url],
  ]);
  const stream = (JSON.parse(stdout) as { streams: { codec_name: string; nb_read_frames: string }[] })
    .streams[0];
  assert.equal(stream?.codec_name, 'h264');
  assert.equal(Number(stream?.nb_read_frames), 50);

  // A time range without video, a stranger, a bad query.
  await assert.rejects(
    alice.client.videoHls('cam-video', { mode: 'ON_DEMAND', start: new Date(0), end: new Date(1000) }),
    (err: CamlinkError) => err.code === 'VIDEO_NOT_AVAILABLE',
  );
  const bob = await world.user('Bob');
  await assert.rejects(bob.client.videoHls('cam-video'), (err: CamlinkError) => err.code === 'NOT_FOUND');
  // The operator sees every camera's video and can (re)create a stream.
  assert.match((await world.operator.videoHls('cam-video')).hls.url, /getHLSMasterPlaylist/);
  const operatorToken = (await readFile(platform.operatorTokenFile, 'utf8')).trim();
  const call = (method: string, path: string) =>
    new Promise<{ status: number; body: { code?: string; stream?: { created: boolean } } }>(
      (resolve, reject) => {
        https
          .request(
            `${e.api}${path}`,
            { method, ca: world.ca, headers: { authorization: `Bearer ${operatorToken}` } },
            (res) => {
              let text = '';
              res.on('data', (d: Buffer) => (text += d.toString()));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as never }));
            },
          )
          .on('error', reject)
          .end();
      },
    );
  const again = await call('POST', '/v1/devices/cam-video/video/stream');
  assert.equal(again.status, 200);
  assert.equal(again.body.stream?.created, false);
  const noRange = await call('GET', '/v1/devices/cam-video/video/hls?mode=ON_DEMAND');
  assert.equal(noRange.status, 400);
  const badMode = await call('GET', '/v1/devices/cam-video/video/hls?mode=DASH');
  assert.equal(badMode.status, 400);
});
