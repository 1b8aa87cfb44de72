/**
 * The upload sweeper (src/backend/uploads/sweeper.ts) beyond the fault test (test/fault/
 * stranded-upload.test.ts): it decides a stranded upload with the reconciler's own checks (content
 * type, size limit, the declared SHA-256 — which COS does not enforce on the PUT), bounds its passes,
 * survives store and S3 failures, and runs inside the platform's backend.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createBackendServices } from '../../src/backend/cloud/services.js';
import type { ObjectStore } from '../../src/backend/cloud/types.js';
import type { BackendStore } from '../../src/backend/store/types.js';
import { MISSING_OBJECT_GRACE_MS, reconcile } from '../../src/backend/uploads/reconcile.js';
import { withEphemeralPorts } from '../../src/config/ephemeral-ports.js';
import { loadConfig } from '../../src/config/load.js';
import { CamlinkError } from '../../src/errors/camlink-error.js';
import { createLogger } from '../../src/log/logger.js';
import { startPlatform } from '../../src/platform/platform.js';
import { backendTest, type TestBackend } from '../helpers/backend-app.js';
import { tempDir } from '../helpers/tmp.js';
import { sha256, startSweeper, uploadKit } from '../helpers/uploads.js';

const photo = (size: number, seed = 1) => Buffer.alloc(size, seed);

async function owner(b: TestBackend, deviceId = 'cam-1') {
  const user = await b.user('alice');
  await b.store.createDevice({ deviceId, certificateId: undefined }, b.clock.now().getTime());
  assert.equal(await b.store.linkUserDevice(user.id, deviceId, b.clock.now().getTime()), 'linked');
  return user;
}

/** Moves the backend's clock past the expiry + grace of every upload issued so far. */
function pastGrace(b: TestBackend): void {
  b.clock.advance(b.config.backend.uploads.putUrlTtlSeconds * 1000 + MISSING_OBJECT_GRACE_MS + 1);
}

backendTest(
  'objects that do not match their upload are rejected with the reconciler reason and deleted',
  async (t, b) => {
    const kit = await uploadKit(t, b);
    const s = startSweeper(t, b);
    const alice = await owner(b);
    const bytes = photo(1000, 4);
    const cases = [
      { reason: 'content-type-mismatch', upload: {}, put: { contentType: 'image/png' } },
      { reason: 'too-large', upload: { maxSize: 999 }, put: {} },
      { reason: 'sha256-mismatch', upload: { declaredSha256: sha256(photo(1000, 5)) }, put: {} },
      // With a checksum the store keeps, the declared digest is compared to it (no GET).
      {
        reason: 'sha256-mismatch',
        upload: { declaredSha256: sha256(photo(1000, 5)) },
        put: { checksum: true },
      },
    ];
    const uploads = [];
    for (const c of cases) {
      const upload = await kit.pending('cam-1', { userId: alice.id, ...c.upload });
      await kit.put(upload, bytes, c.put);
      uploads.push(upload);
    }
    const matching = await kit.pending('cam-1', { userId: alice.id, declaredSha256: sha256(bytes) });
    await kit.put(matching, bytes);
    pastGrace(b);
    const pass = await s.sweep();
    assert.deepEqual(pass.outcomes, { completed: 1, rejected: 4, duplicate: 0, conflict: 0, retry: 0 });
    for (const [i, upload] of uploads.entries()) {
      const row = await b.store.findUpload(upload.uploadId);
      assert.equal(row?.status, 'rejected', cases[i]?.reason);
      assert.equal(row?.rejectedReason, cases[i]?.reason);
      assert.equal(await b.services.objects.head(upload.bucket, upload.key), undefined, 'object deleted');
    }
    assert.equal((await b.store.findUpload(matching.uploadId))?.sha256, sha256(bytes));
    assert.ok(await b.services.objects.head(matching.bucket, matching.key), 'a completed object stays');
  },
);

const COS_KEY = {
  accessKeyId: 'AKIDcamlinkcostest0000000001',
  secretAccessKey: 'camlink-cos-test-secret-key-0001',
};

backendTest(
  'COS does not check a declared SHA-256 on the PUT: the sweeper and the reconciler do',
  async (t, b) => {
    const kit = await uploadKit(t, b);
    await kit.s3.send(new CreateBucketCommand({ Bucket: 'camlink-media-1250000000' }));
    // The embedded store checks SigV4 against its own region except on a COS host name
    // (cos.<region>.myqcloud.com), which the test cannot resolve; so the object calls the backend makes
    // with its COS settings (HEAD, GET, DELETE, signed for ap-shanghai) go through an S3-configured client
    // of the same platform, on the same physical bucket <bucket>-<appId>. The PUTs are COS-signed.
    const s3Config = { ...b.config, backend: { ...b.config.backend, presigner: 's3' as const } };
    const viaS3 = await createBackendServices(s3Config, { endpoints: b.platform.endpoints, clock: b.clock });
    t.after(() => viaS3.close());
    const physical = (bucket: string) => `${bucket}-1250000000`;
    const objects: ObjectStore = {
      head: (bucket, key) => viaS3.objects.head(physical(bucket), key),
      get: (bucket, key) => viaS3.objects.get(physical(bucket), key),
      fetch: (bucket, key) => viaS3.objects.fetch(physical(bucket), key),
      delete: (bucket, key) => viaS3.objects.delete(physical(bucket), key),
      put: (bucket, key, body, type) => viaS3.objects.put(physical(bucket), key, body, type),
      objectUrl: (bucket, key) => b.services.objects.objectUrl(bucket, key),
    };
    const services = { ...b.services, objects };
    const s = startSweeper(t, b, { services });
    const alice = await owner(b);
    const declared = photo(64, 1);
    const other = photo(64, 2);
    const issueAndPut = async (bytes: Buffer) => {
      const res = await b.call('POST', '/v1/devices/cam-1/uploads', {
        token: alice.token,
        body: { contentType: 'image/jpeg', size: declared.length, sha256: sha256(declared) },
      });
      assert.equal(res.statusCode, 201, res.body);
      const issued = res.json<{ uploadId: string; put: { url: string; headers: Record<string, string> } }>();
      // The COS-signed URL carries no digest: the store takes other bytes of the same length.
      assert.deepEqual(Object.keys(issued.put.headers).sort(), ['content-length', 'content-type']);
      const status = await new Promise<number | undefined>((resolve, reject) => {
        https
          .request(issued.put.url, { method: 'PUT', ca: kit.ca, headers: issued.put.headers }, (r) => {
            r.resume();
            r.on('end', () => resolve(r.statusCode));
          })
          .on('error', reject)
          .end(bytes);
      });
      assert.equal(status, 200);
      const upload = await b.store.findUpload(issued.uploadId);
      assert.equal(upload?.declaredSha256, sha256(declared));
      assert.ok(upload);
      return upload;
    };
    const swapped = await issueAndPut(other);
    const honest = await issueAndPut(declared);
    const announced = await issueAndPut(other);

    // The notification path: the camera announces the bytes it sent, which are not the declared ones.
    const logger = createLogger({ level: 'silent' });
    const outcome = await reconcile(
      { store: b.store, clock: b.clock, logger, services, events: b.events },
      JSON.stringify(kit.notification(announced, other)),
    );
    assert.equal(outcome.kind === 'rejected' && outcome.reason, 'sha256-mismatch');

    pastGrace(b);
    const pass = await s.sweep();
    assert.deepEqual(pass.outcomes, { completed: 1, rejected: 1, duplicate: 0, conflict: 0, retry: 0 });
    assert.equal((await b.store.findUpload(swapped.uploadId))?.rejectedReason, 'sha256-mismatch');
    assert.equal(await objects.head(swapped.bucket, swapped.key), undefined);
    const done = await b.store.findUpload(honest.uploadId);
    assert.equal(done?.status, 'done');
    assert.equal(done?.sha256, sha256(declared), 'hashed by GET: COS keeps no SHA-256');
  },
  {
    storage: { accessKeys: [COS_KEY] },
    backend: (endpoints) => ({
      presigner: 'cos',
      cos: {
        appId: '1250000000',
        region: 'ap-shanghai',
        secretId: COS_KEY.accessKeyId,
        secretKey: COS_KEY.secretAccessKey,
        endpoint: endpoints.s3,
      },
    }),
  },
);

backendTest(
  'passes are bounded, go on after a full batch, and survive store and S3 failures',
  async (t, b) => {
    const kit = await uploadKit(t, b);
    await owner(b);
    // The store fails to list once; S3 fails on one object every time.
    let listFailures = 1;
    const store: BackendStore = Object.create(b.store) as BackendStore;
    store.listExpiredPendingUploads = (options) => {
      if (listFailures-- > 0) return Promise.reject(new Error('connection terminated unexpectedly'));
      return b.store.listExpiredPendingUploads(options);
    };
    const uploads = [];
    for (let i = 0; i < 3; i++) {
      const upload = await kit.pending('cam-1', { expiresAt: b.clock.now().getTime() + i });
      await kit.put(upload, photo(10, i), { checksum: true });
      uploads.push(upload);
    }
    const [broken, second, third] = uploads;
    assert.ok(broken && second && third);
    const objects: ObjectStore = {
      ...b.services.objects,
      head: (bucket, key) =>
        key === broken.key
          ? Promise.reject(new CamlinkError('UPSTREAM_FAILED', 'S3 HeadObject failed: SlowDown: 503'))
          : b.services.objects.head(bucket, key),
    };
    const s = startSweeper(t, b, { batchSize: 2, store, services: { ...b.services, objects } });
    pastGrace(b);

    const failed = await s.sweep();
    assert.deepEqual({ examined: failed.examined, failed: failed.failed }, { examined: 0, failed: true });
    assert.ok(s.logLines.some((l) => l.includes('"level":50') && l.includes('connection terminated')));
    // Oldest first, two at most: the broken one is a retry, the next is completed; more wait.
    const first = await s.sweep();
    assert.deepEqual(
      { ...first.outcomes, examined: first.examined, more: first.more },
      { completed: 1, rejected: 0, duplicate: 0, conflict: 0, retry: 1, examined: 2, more: true },
    );
    // The next pass goes on after them, so the broken upload does not hold the oldest place for ever.
    const next = await s.sweep();
    assert.deepEqual({ completed: next.outcomes.completed, more: next.more }, { completed: 1, more: false });
    assert.equal((await b.store.findUpload(third.uploadId))?.status, 'done');
    // Then from the oldest again: the broken one is met again, still pending.
    const again = await s.sweep();
    assert.deepEqual({ examined: again.examined, retry: again.outcomes.retry }, { examined: 1, retry: 1 });
    assert.equal((await b.store.findUpload(broken.uploadId))?.status, 'pending');
    const metrics = await s.registry.metrics();
    assert.match(metrics, /camlink_backend_sweeper_passes_total\{result="failed"\} 1/);
    assert.match(metrics, /camlink_backend_sweeper_passes_total\{result="ok"\} 3/);
    assert.match(metrics, /camlink_backend_sweeper_total\{outcome="retry"\} 2/);
    assert.match(metrics, /camlink_backend_sweeper_total\{outcome="completed"\} 2/);
    assert.ok(s.logLines.some((l) => l.includes('pending upload not swept') && l.includes('SlowDown')));
  },
);

test("the platform's backend runs the sweeper beside the reconciler and counts its passes", async (t) => {
  const dataDir = await tempDir(t);
  const config = withEphemeralPorts(
    loadConfig({ env: {}, flags: { dataDir, backend: { reconciler: { enabled: true } } } }),
  );
  let onPass: (entry: Record<string, unknown>) => void = () => undefined;
  const passed = new Promise<Record<string, unknown>>((resolve) => (onPass = resolve));
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === 'upload sweep pass') onPass(entry);
      }
      done();
    },
  });
  const platform = await startPlatform(config, createLogger({ level: 'debug' }, sink));
  t.after(() => platform.close());
  // The first pass runs at start.
  const entry = await passed;
  assert.equal(entry.component, 'sweeper');
  assert.equal(entry.examined, 0);
  const ca = await readFile(platform.endpoints.caPath);
  const token = (await readFile(platform.operatorTokenFile, 'utf8')).trim();
  const metrics = await new Promise<string>((resolve, reject) => {
    https
      .get(
        `${platform.endpoints.api}/metrics`,
        { ca, headers: { authorization: `Bearer ${token}` } },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(text));
        },
      )
      .on('error', reject);
  });
  assert.match(metrics, /camlink_backend_sweeper_passes_total\{result="ok"\} 1/);
  assert.match(metrics, /# HELP camlink_backend_sweeper_total /);
});
