/**
 * Network drops between the camera and the platform, through the fault proxy (test/helpers/fault-proxy.ts):
 *
 * - camera <-> MQTT endpoint: connections cut (all at once, and mid-packet after N bytes) and refused
 *   while cameras publish; every notification still reaches the backend from the outbox after the
 *   reconnect, and the backend completes each upload exactly once (redeliveries are duplicates);
 * - camera <-> object store: the connection cut mid-PUT, and refused: no partial object is ever
 *   visible, no temp file stays, the camera's retry succeeds and the object is intact.
 *
 * Reconnect waits run on timers that move the endpoint's clock (AWS's 1 CONNECT/s per client id)
 * instead of sleeping; the store's retry pause is the uploader's injectable sleep.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Timers } from '../../src/device/session.js';
import { putFile } from '../../src/device/uploader.js';
import { createS3Presigner } from '../../src/presign/s3.js';
import { appWorld } from '../helpers/app-world.js';
import { CameraFleet } from '../helpers/camera-fleet.js';
import { SkewClock } from '../helpers/endpoint.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { startTestPlatform } from '../helpers/platform.js';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY, startTestStore } from '../helpers/storage.js';
import { tempDir } from '../helpers/tmp.js';

const sha256 = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

test('broker connections cut and refused during publishes: every notification is reconciled exactly once', async (t) => {
  const dir = await tempDir(t);
  const clock = new SkewClock();
  const completed = new Map<string, number>();
  const duplicates = new Map<string, number>();
  let onCompleted = () => undefined as void;
  const { platform } = await startTestPlatform(t, join(dir, 'platform'), {
    clock,
    extra: { backend: { thumbnails: { enabled: false }, reconciler: { waitTimeSeconds: 1 } } },
    onLog: (l) => {
      const id = String(l.uploadId);
      if (l.msg === 'upload completed') completed.set(id, (completed.get(id) ?? 0) + 1);
      else if (l.msg === 'duplicate upload notification') duplicates.set(id, (duplicates.get(id) ?? 0) + 1);
      else return;
      onCompleted();
    },
  });
  const world = await appWorld(t, platform);
  const proxy = await FaultProxy.start({ port: Number(new URL(platform.endpoints.mqtt).port) });
  t.after(() => proxy.close());
  const reconnectTimers: Timers = {
    set: (fn, ms) => {
      clock.advance(ms);
      return setImmediate(fn);
    },
    clear: (handle) => clearImmediate(handle as NodeJS.Immediate),
  };
  const cameras = [await world.provision('cam-drop-1'), await world.provision('cam-drop-2')];
  const fleet = await CameraFleet.start({
    dir: join(dir, 'cameras'),
    cameras,
    mqttUrl: `mqtts://127.0.0.1:${proxy.port}`,
    ca: world.ca,
    httpsAgent: world.httpsAgent,
    ready: () => Promise.resolve(),
    reconnectTimers,
  });
  t.after(() => fleet.stop());

  // The faults, each on a PUBACK count: cut everything, tear the next packet after 40 bytes, then
  // cut and refuse the reconnects three times before letting them through.
  let refusedSeen = 0;
  proxy.on('connection', ({ refused }) => {
    if (refused && ++refusedSeen === 3) proxy.refuse(false);
  });
  const faults = new Map<number, () => void>([
    [5, () => proxy.cutAll()],
    [12, () => proxy.cutAll()],
    [20, () => proxy.cutAfter(40)],
    [
      28,
      () => {
        proxy.refuse(true);
        proxy.cutAll();
      },
    ],
    [34, () => proxy.cutAll()],
  ]);
  fleet.on('announced', ({ total }) => faults.get(total)?.());

  const { operator } = world;
  await Promise.all(cameras.map((c) => fleet.run(operator, c.deviceId, 20)));
  assert.ok(await fleet.outboxesEmpty(), 'every notification was PUBACKed in the end');
  assert.ok(proxy.stats.cuts >= 5, `the proxy cut ${proxy.stats.cuts} connections`);
  assert.equal(proxy.stats.refused, 3);

  await new Promise<void>((resolve) => {
    onCompleted = () => {
      if ([...fleet.acknowledged.keys()].every((id) => completed.has(id))) resolve();
    };
    onCompleted();
  });
  for (const record of fleet.acknowledged.values()) {
    assert.equal(completed.get(record.uploadId), 1, `${record.uploadId} completed exactly once`);
    const { upload } = await operator.getUpload(record.uploadId);
    assert.equal(upload.status, 'done');
    assert.equal(upload.sha256, record.sha256);
  }
  const republished = [...fleet.pubacks.values()].filter((n) => n > 1).length;
  t.diagnostic(
    `${proxy.stats.cuts} cuts, ${proxy.stats.refused} refused connects; ${republished} notifications ` +
      `PUBACKed twice; ${[...duplicates.values()].reduce((a, b) => a + b, 0)} duplicates reconciled`,
  );
});

async function storeBehindProxy(t: Parameters<typeof startTestStore>[0]) {
  const store = await startTestStore(t);
  await store.client().send(new CreateBucketCommand({ Bucket: 'media' }));
  const proxy = await FaultProxy.start({ port: store.server.port });
  t.after(() => proxy.close());
  // Signed for the proxy's address: the store checks the Host the camera sent, which names the proxy.
  const presigner = createS3Presigner({
    region: 'us-east-1',
    endpoint: `https://127.0.0.1:${proxy.port}`,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
  });
  const dir = await tempDir(t);
  const picture = async (name: string, size: number) => {
    const bytes = randomBytes(size);
    const file = join(dir, name);
    await writeFile(file, bytes);
    const signed = await presigner.presign({
      method: 'PUT',
      bucket: 'media',
      key: name,
      expiresInSeconds: 300,
      contentType: 'image/jpeg',
    });
    return { bytes, file, target: { url: signed.url, headers: signed.headers, expiresAt: signed.expiresAt } };
  };
  const tmpDir = join(store.storeDir, 'buckets', 'media', 'tmp');
  /** Nothing of an unfinished upload is listed or left on disk. */
  const assertNothingPartial = async () => {
    await store.server.settled();
    const listed = await store.client().send(new ListObjectsV2Command({ Bucket: 'media' }));
    assert.equal(listed.KeyCount, 0, 'no partial object is listed');
    assert.deepEqual(await readdir(tmpDir), [], 'no temp file is left');
  };
  const readBack = async (key: string) => {
    const got = await store.client().send(new GetObjectCommand({ Bucket: 'media', Key: key }));
    return sha256(await got.Body!.transformToByteArray());
  };
  return { store, proxy, picture, assertNothingPartial, readBack };
}

test('store connection cut mid-PUT: nothing partial is visible, the camera retry succeeds, the object is intact', async (t) => {
  const s = await storeBehindProxy(t);
  const { bytes, file, target } = await s.picture('IMG_0001.JPG', 512 * 1024);
  s.proxy.cutAfter(200 * 1024);
  const cut = once(s.proxy, 'cut');
  const pauses: number[] = [];
  const put = await putFile({
    file,
    target,
    agent: s.store.agent,
    clock: { now: () => new Date() },
    // The uploader's pause between attempts: here the test checks the store between the two.
    sleep: async (ms) => {
      pauses.push(ms);
      await cut;
      await s.assertNothingPartial();
    },
  });
  assert.equal(put.attempts, 2, 'one cut attempt, one retry');
  assert.equal(pauses.length, 1);
  assert.equal(put.sha256, sha256(bytes));
  assert.equal(await s.readBack('IMG_0001.JPG'), sha256(bytes), 'the stored object is intact');
  assert.deepEqual(await readdir(join(s.store.storeDir, 'buckets', 'media', 'tmp')), []);
});

test('store refusing connections, then slow: the camera retries until it gets through, the object is intact', async (t) => {
  const s = await storeBehindProxy(t);
  const { bytes, file, target } = await s.picture('IMG_0002.JPG', 64 * 1024);
  s.proxy.refuse(true);
  s.proxy.latency(20);
  let pauses = 0;
  const put = await putFile({
    file,
    target,
    agent: s.store.agent,
    clock: { now: () => new Date() },
    sleep: async () => {
      pauses++;
      await s.assertNothingPartial();
      if (pauses === 2) s.proxy.refuse(false); // the network comes back (slow) after two failures
    },
  });
  assert.equal(put.attempts, 3);
  assert.equal(s.proxy.stats.refused, 2);
  assert.equal(await s.readBack('IMG_0002.JPG'), sha256(bytes));
});
