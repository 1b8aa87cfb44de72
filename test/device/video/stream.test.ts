/**
 * `streamToKvs` and `camlink camera stream` end to end against `camlink up`'s own video service: the
 * camera gets temporary credentials from the IoT credentials provider (its certificate, its thing),
 * finds its stream and data endpoint with the KVS SDK, and PutMedia's ffmpeg's live MKV; the platform's
 * ingest acknowledges every fragment and ListFragments (official archived-media client) sees them. The
 * camera role reaches only the camera's own stream; a source that is not MKV is refused with exit 1.
 */
import assert from 'node:assert/strict';
import https from 'node:https';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  DeleteStreamCommand,
  DescribeStreamCommand,
  KinesisVideoClient,
  UpdateDataRetentionCommand,
} from '@aws-sdk/client-kinesis-video';
import {
  KinesisVideoArchivedMediaClient,
  ListFragmentsCommand,
} from '@aws-sdk/client-kinesis-video-archived-media';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { streamToKvs, type StreamProgress } from '../../../src/device/video/stream.js';
import type { RunningPlatform } from '../../../src/platform/platform.js';
import { appWorld } from '../../helpers/app-world.js';
import { cliProcess, errorCodeOf } from '../../helpers/cli.js';
import { startTestPlatform } from '../../helpers/platform.js';
import { tempDir } from '../../helpers/tmp.js';

/** The operator's clients (the platform's own key pair) for the video service. */
function operatorClients(platform: RunningPlatform, ca: Buffer) {
  const e = platform.endpoints;
  const options = {
    endpoint: e.kvs ?? '',
    region: e.region,
    credentials: { accessKeyId: e.credentials.accessKeyId, secretAccessKey: e.credentials.secretAccessKey },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca }) }),
  };
  return { kvs: new KinesisVideoClient(options), archived: new KinesisVideoArchivedMediaClient(options) };
}

test('streamToKvs: credentials, endpoint, ffmpeg and PutMedia, every fragment acknowledged', async (t) => {
  const dir = await tempDir(t);
  const { platform } = await startTestPlatform(t, join(dir, 'platform'));
  const world = await appWorld(t, platform);
  const cam = await world.provision('cam-stream');
  const { kvs, archived } = operatorClients(platform, world.ca);
  t.after(() => {
    kvs.destroy();
    archived.destroy();
  });
  // Provisioning created the camera's stream (retention 24 h).
  const progress: StreamProgress[] = [];
  const summary = await streamToKvs({
    deviceId: cam.deviceId,
    certificatePem: cam.certificatePem,
    keyPem: cam.keyPem,
    ca: world.ca,
    kvsCa: world.ca,
    credentialsUrl: platform.endpoints.iotCredentials ?? '',
    region: platform.endpoints.region,
    kvsEndpoint: platform.endpoints.kvs ?? '',
    durationSeconds: 3,
    realtime: false,
    onProgress: (p) => progress.push(p),
  });
  assert.equal(summary.streamName, 'cam-stream');
  assert.equal(summary.fragmentsSent, 3);
  assert.equal(summary.fragmentsPersisted, 3);
  assert.deepEqual(summary.errors, []);
  assert.ok(summary.ok);
  const { Fragments } = await archived.send(new ListFragmentsCommand({ StreamName: 'cam-stream' }));
  assert.equal(Fragments?.length, 3);
  assert.equal(
    Fragments?.reduce((n, f) => n + (f.FragmentLengthInMilliseconds ?? 0), 0),
    3000,
  );
  const finals = progress.filter((p) => p.kind === 'ack' && p.final);
  assert.equal(finals.length, 3);
  assert.equal(progress[0]?.kind, 'connected');

  // A camera whose stream does not exist gets its name in the error.
  const other = await world.provision('cam-nostream');
  const gone = await kvs.send(new DescribeStreamCommand({ StreamName: 'cam-nostream' }));
  await kvs.send(new DeleteStreamCommand({ StreamARN: gone.StreamInfo?.StreamARN }));
  await assert.rejects(
    streamToKvs({
      deviceId: other.deviceId,
      certificatePem: other.certificatePem,
      keyPem: other.keyPem,
      ca: world.ca,
      kvsCa: world.ca,
      credentialsUrl: platform.endpoints.iotCredentials ?? '',
      region: platform.endpoints.region,
      kvsEndpoint: platform.endpoints.kvs ?? '',
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

test('camlink camera stream: progress lines and a summary; exit 1 on a bad source or a wrong thing', async (t) => {
  const dir = await tempDir(t);
  const { platform } = await startTestPlatform(t, join(dir, 'platform'));
  const world = await appWorld(t, platform);
  const cam = await world.provision('cam-stream-cli');
  const { kvs } = operatorClients(platform, world.ca);
  t.after(() => kvs.destroy());
  // Keep nothing: the fragments are RECEIVED, not PERSISTED.
  const info = await kvs.send(new DescribeStreamCommand({ StreamName: 'cam-stream-cli' }));
  await kvs.send(
    new UpdateDataRetentionCommand({
      StreamName: 'cam-stream-cli',
      CurrentVersion: info.StreamInfo?.Version,
      Operation: 'DECREASE_DATA_RETENTION',
      DataRetentionChangeInHours: info.StreamInfo?.DataRetentionInHours,
    }),
  );
  const endpointsPath = platform.endpointsPath;
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
  assert.match(lines[0] ?? '', /^streaming to cam-stream-cli at https:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(
    lines.filter((l) => /^fragment RECEIVED timecode \d+ number \d+: \d\/\d acknowledged/.test(l)).length,
    2,
  );
  assert.match(
    lines.at(-1) ?? '',
    /^done: 2 fragment\(s\) sent, 2 acknowledged \(0 persisted\), 0 error\(s\), \d+ bytes/,
  );

  // A source that is not Matroska: refused before anything is sent, with ffmpeg's reason.
  const junk = join(dir, 'junk.mkv');
  await writeFile(junk, Buffer.alloc(4096, 7));
  const bad = await cliProcess([...argv, '--source', junk], {
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  assert.equal(bad.code, 1);
  assert.equal(errorCodeOf(bad), 'DEVICE_SOURCE_FAILED');

  // The credentials provider refuses a thing name that is not the certificate's.
  const wrong = await cliProcess(
    argv.map((a) => (a === 'cam-stream-cli' ? 'cam-someone-else' : a)),
    { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  );
  assert.equal(wrong.code, 1);
  assert.equal(errorCodeOf(wrong), 'DEVICE_CREDENTIALS_REFUSED');
});
