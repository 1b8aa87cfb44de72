/**
 * The PutMedia client against a small local KVS data plane: the request is signed (checked with the
 * project's verifier), the body is streamed chunked, acknowledgements are read while the body is still
 * being written; ERROR acknowledgements, HTTP refusals and silence are reported with codes.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { InMemoryCredentialStore } from '../../../src/auth/credentials.js';
import { headersFromRaw } from '../../../src/auth/sigv4/headers.js';
import { verifySigV4 } from '../../../src/auth/sigv4/verify.js';
import type { PutMediaAck } from '../../../src/device/video/ack-lines.js';
import { putMedia } from '../../../src/device/video/put-media.js';
import { systemClock } from '../../../src/util/clock.js';
import { startFakeKvs, type FakeKvsOptions } from '../../helpers/fake-kvs.js';
import { syntheticMkv } from '../../helpers/mkv.js';

const KEYS = {
  accessKeyId: 'ASIAPUTMEDIATEST0001',
  secretAccessKey: 'put-media-secret-put-media-secret-put-me',
  sessionToken: 'the-session-token',
  expiration: new Date(Date.now() + 3_600_000),
};

function verified(req: http.IncomingMessage): void {
  verifySigV4(
    { method: req.method ?? '', rawPath: req.url ?? '', query: [], headers: headersFromRaw(req.rawHeaders) },
    {
      service: 'kinesisvideo',
      region: 'us-east-1',
      s3: false,
      credentials: new InMemoryCredentialStore([{ ...KEYS, expiresAt: KEYS.expiration }]),
      clock: systemClock,
      clockSkewSeconds: 300,
      maxExpirySeconds: 604800,
    },
  );
}

function fakeDataPlane(t: TestContext, options: FakeKvsOptions = {}) {
  return startFakeKvs(t, { verify: verified, ...options });
}

function upload(
  url: string,
  body: Readable,
  extra: { ackTimeoutMs?: number; awaitPersisted?: boolean } = {},
) {
  return putMedia({
    dataEndpoint: url,
    streamName: 'cam-put',
    region: 'us-east-1',
    credentials: () => Promise.resolve(KEYS),
    body,
    ...extra,
  });
}

test('putMedia: streams the fragments and resolves when each is RECEIVED', async (t) => {
  const plane = await fakeDataPlane(t);
  const mkv = syntheticMkv(4);
  const run = upload(plane.url, Readable.from([mkv.subarray(0, 50), mkv.subarray(50)]));
  const acks: PutMediaAck[] = [];
  const fragments: number[] = [];
  run.on('ack', (a) => acks.push(a));
  run.on('fragment', (n) => fragments.push(n));
  const result = await run.result;
  assert.deepEqual(result, {
    fragmentsSent: 4,
    fragmentsReceived: 4,
    fragmentsPersisted: 0,
    errors: [],
    bytesSent: mkv.length,
    complete: true,
  });
  assert.deepEqual(fragments, [1, 2, 3, 4]);
  assert.deepEqual(
    acks.filter((a) => a.type === 'RECEIVED').map((a) => a.fragmentTimecode),
    [0, 1000, 2000, 3000],
  );
  const [request] = plane.seen;
  assert.ok(request !== undefined);
  assert.equal(request.bytes, mkv.length);
  assert.equal(request.headers['transfer-encoding'], 'chunked');
  assert.equal(request.headers['x-amzn-stream-name'], 'cam-put');
  assert.equal(request.headers['x-amz-security-token'], KEYS.sessionToken);
});

test('putMedia: acknowledgements arrive while the body is still being written', async (t) => {
  const plane = await fakeDataPlane(t);
  const body = new PassThrough();
  const mkv = syntheticMkv(3);
  const run = upload(plane.url, body);
  const firstReceived = new Promise<PutMediaAck>((resolve) =>
    run.on('ack', (a) => a.type === 'RECEIVED' && resolve(a)),
  );
  // Two clusters out: the first is acknowledged before the body ends.
  const cluster = Buffer.from([0x1f, 0x43, 0xb6, 0x75]);
  const third = mkv.indexOf(cluster, mkv.indexOf(cluster, mkv.indexOf(cluster) + 4) + 4);
  body.write(mkv.subarray(0, third));
  assert.equal((await firstReceived).fragmentTimecode, 0);
  assert.equal(run.stats.fragmentsSent, 2);
  assert.equal(run.stats.complete, false);
  body.end(mkv.subarray(third));
  const result = await run.result;
  assert.equal(result.fragmentsReceived, 3);
});

test('putMedia: waits for PERSISTED when asked; ERROR acknowledgements are reported', async (t) => {
  const plane = await fakeDataPlane(t, {
    onFragment: (n, ack) => {
      if (n === 2) {
        ack('ERROR', n, { ErrorId: 4004, ErrorCode: 'FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS' });
        return;
      }
      ack('RECEIVED', n);
      ack('PERSISTED', n);
    },
  });
  const result = await upload(plane.url, Readable.from([syntheticMkv(3)]), { awaitPersisted: true }).result;
  assert.equal(result.fragmentsSent, 3);
  assert.equal(result.fragmentsPersisted, 2);
  assert.equal(result.errors.length, 1);
  assert.equal(result.errors[0]?.errorId, 4004);
  assert.equal(result.errors[0]?.errorCode, 'FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS');
});

test('putMedia: an HTTP refusal is DEVICE_KVS_REFUSED with the service reason', async (t) => {
  const plane = await fakeDataPlane(t, {
    refuse: { status: 404, type: 'ResourceNotFoundException', message: 'Stream cam-put not found' },
  });
  const body = new PassThrough();
  body.write(syntheticMkv(1));
  const run = upload(plane.url, body);
  await assert.rejects(run.result, (err: Error) => {
    assert.equal((err as { code?: string }).code, 'DEVICE_KVS_REFUSED');
    assert.match(err.message, /HTTP 404 ResourceNotFoundException: Stream cam-put not found/);
    return true;
  });
  assert.ok(body.destroyed, 'the source is released');
});

test('putMedia: no acknowledgement within the timeout is DEVICE_KVS_FAILED', async (t) => {
  const plane = await fakeDataPlane(t, { onFragment: () => undefined });
  const body = new PassThrough();
  body.write(syntheticMkv(2));
  const run = upload(plane.url, body, { ackTimeoutMs: 200 });
  await assert.rejects(run.result, (err: Error) => {
    assert.equal((err as { code?: string }).code, 'DEVICE_KVS_FAILED');
    assert.match(err.message, /no acknowledgement within 200 ms \(0 of 2 fragment/);
    return true;
  });
});

test('putMedia: an unreachable endpoint is DEVICE_KVS_FAILED', async () => {
  const server = http.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  const run = upload(`http://127.0.0.1:${port}`, Readable.from([syntheticMkv(1)]));
  await assert.rejects(run.result, { code: 'DEVICE_KVS_FAILED' });
});
