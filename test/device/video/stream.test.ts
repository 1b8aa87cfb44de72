/**
 * `streamToKvs` and `camlink camera stream` end to end, with the platform's IoT credentials provider
 * (real temporary credentials for a provisioned camera), ffmpeg's MKV, and a stand-in KVS
 * (test/helpers/fake-kvs.ts) until the platform's own PutMedia ingest is wired into `camlink up`.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { streamToKvs, type StreamProgress } from '../../../src/device/video/stream.js';
import { appWorld } from '../../helpers/app-world.js';
import { cliProcess, errorCodeOf } from '../../helpers/cli.js';
import { startFakeKvs } from '../../helpers/fake-kvs.js';
import { startTestPlatform } from '../../helpers/platform.js';
import { tempDir } from '../../helpers/tmp.js';

/** The stand-in checks what it can without the secret: the camera's temporary key and its token. */
function cameraSigned(req: http.IncomingMessage): void {
  const auth = req.headers.authorization ?? '';
  if (
    !/^AWS4-HMAC-SHA256 Credential=ASIA[A-Z2-7]{16}\/\d{8}\/us-east-1\/kinesisvideo\/aws4_request, /.test(
      auth,
    )
  ) {
    throw new Error(`not signed by a camera: ${auth}`);
  }
  if (req.headers['x-amz-security-token'] === undefined) throw new Error('no session token');
}

test('streamToKvs: credentials, endpoint, ffmpeg and PutMedia, every fragment acknowledged', async (t) => {
  const dir = await tempDir(t);
  const { platform } = await startTestPlatform(t, join(dir, 'platform'));
  const world = await appWorld(t, platform);
  const cam = await world.provision('cam-stream');
  const kvs = await startFakeKvs(t, {
    streams: { 'cam-stream': { retentionHours: 24 } },
    verify: cameraSigned,
    onFragment: (n, ack) => {
      ack('RECEIVED', n);
      ack('PERSISTED', n);
    },
  });
  const progress: StreamProgress[] = [];
  const summary = await streamToKvs({
    deviceId: cam.deviceId,
    certificatePem: cam.certificatePem,
    keyPem: cam.keyPem,
    ca: world.ca,
    credentialsUrl: platform.endpoints.iotCredentials ?? '',
    region: platform.endpoints.region,
    kvsEndpoint: kvs.url,
    durationSeconds: 3,
    realtime: false,
    onProgress: (p) => progress.push(p),
  });
  assert.equal(summary.streamName, 'cam-stream');
  assert.equal(summary.fragmentsSent, 3);
  assert.equal(summary.fragmentsPersisted, 3);
  assert.deepEqual(summary.errors, []);
  assert.ok(summary.ok);
  const put = kvs.seen.find((r) => r.path === '/putMedia');
  assert.equal(put?.bytes, summary.bytesSent);
  assert.equal(put.headers['x-amzn-stream-name'], 'cam-stream');
  assert.deepEqual(
    kvs.seen.map((r) => r.path),
    ['/describeStream', '/getDataEndpoint', '/putMedia'],
  );
  const finals = progress.filter((p) => p.kind === 'ack' && p.final);
  assert.equal(finals.length, 3);
  assert.equal(progress[0]?.kind, 'connected');

  // A camera whose stream does not exist gets its name in the error.
  const other = await world.provision('cam-nostream');
  await assert.rejects(
    streamToKvs({
      deviceId: other.deviceId,
      certificatePem: other.certificatePem,
      keyPem: other.keyPem,
      ca: world.ca,
      credentialsUrl: platform.endpoints.iotCredentials ?? '',
      region: platform.endpoints.region,
      kvsEndpoint: kvs.url,
      durationSeconds: 1,
      realtime: false,
    }),
    (err: Error) => {
      assert.equal((err as { code?: string }).code, 'DEVICE_STREAM_NOT_FOUND');
      assert.match(err.message, /cam-nostream/);
      return true;
    },
  );
});

test('camlink camera stream: progress lines and a summary; exit 1 when a fragment is refused', async (t) => {
  const dir = await tempDir(t);
  const { platform } = await startTestPlatform(t, join(dir, 'platform'));
  const world = await appWorld(t, platform);
  const cam = await world.provision('cam-stream-cli');
  let refuse = false;
  const kvs = await startFakeKvs(t, {
    streams: { 'cam-stream-cli': { retentionHours: 0 } },
    verify: cameraSigned,
    onFragment: (n, ack) =>
      refuse && n === 2
        ? ack('ERROR', n, { ErrorId: 4006, ErrorCode: 'INVALID_MKV_DATA' })
        : ack('RECEIVED', n),
  });
  const endpoints = JSON.parse(await readFile(platform.endpointsPath, 'utf8')) as Record<string, unknown>;
  const endpointsPath = join(dir, 'endpoints.json');
  await writeFile(endpointsPath, JSON.stringify({ ...endpoints, kvs: kvs.url }), { mode: 0o600 });
  await writeFile(join(dir, 'cam.cert.pem'), cam.certificatePem);
  await writeFile(join(dir, 'cam.key.pem'), cam.keyPem, { mode: 0o600 });
  const argv = [
    'camera',
    'stream',
    '--device-id',
    'cam-stream-cli',
    '--cert',
    join(dir, 'cam.cert.pem'),
    '--key',
    join(dir, 'cam.key.pem'),
    '--endpoints',
    endpointsPath,
    '--duration',
    '2',
    '--no-realtime',
  ];
  const ok = await cliProcess(argv, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  assert.equal(ok.code, 0, ok.stderr);
  const lines = ok.stdout.trim().split('\n');
  assert.match(lines[0] ?? '', /^streaming to cam-stream-cli at http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(
    lines.filter((l) => /^fragment RECEIVED timecode \d+ number \d+: \d\/\d acknowledged/.test(l)).length,
    2,
  );
  assert.match(
    lines.at(-1) ?? '',
    /^done: 2 fragment\(s\) sent, 2 acknowledged \(0 persisted\), 0 error\(s\), \d+ bytes/,
  );

  refuse = true;
  const bad = await cliProcess(argv, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /fragment ERROR 4006 INVALID_MKV_DATA/);
  assert.match(bad.stdout, /done: 2 fragment\(s\) sent, 1 acknowledged \(0 persisted\), 1 error\(s\)/);

  // The credentials provider refuses a thing name that is not the certificate's.
  const wrong = await cliProcess(
    argv.map((a) => (a === 'cam-stream-cli' ? 'cam-someone-else' : a)),
    { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  );
  assert.equal(wrong.code, 1);
  assert.equal(errorCodeOf(wrong), 'DEVICE_CREDENTIALS_REFUSED');
});
