/**
 * Upload reconciliation through the real queue (docs/architecture.md flow 4): a device PUTs its object to
 * the embedded S3-compatible store and announces it over MQTT (the camlink_uploads rule queues it) or
 * a test sends the rule's message with @aws-sdk/client-sqs; the consumer reconciles it against the
 * store (SQLite and PostgreSQL). Outcomes are awaited from the consumer and the event hub, never slept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { Writable } from 'node:stream';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { loadConfig } from '../../src/config/load.js';
import { withEphemeralPorts } from '../../src/config/ephemeral-ports.js';
import { startPlatform } from '../../src/platform/platform.js';
import { sdkOptions } from '../helpers/aws.js';
import { tempDir } from '../helpers/tmp.js';
import { subtle, privateKeyToPem } from '../../src/pki/keys.js';
import { x509 } from '../../src/pki/x509.js';
import { topics } from '../../src/contracts/topics.js';
import {
  MISSING_OBJECT_GRACE_MS,
  reconcile,
  type ReconcileDeps,
  type ReconcileOutcome,
} from '../../src/backend/uploads/reconcile.js';
import type { ObjectHead } from '../../src/backend/cloud/types.js';
import { CamlinkError } from '../../src/errors/camlink-error.js';
import { createLogger } from '../../src/log/logger.js';
import { UPLOAD_DLQ_NAME, UPLOAD_QUEUE_NAME } from '../../src/platform/platform.js';
import { backendTest, type TestBackend } from '../helpers/backend-app.js';
import { openTestStore } from '../helpers/backend-store.js';
import { connectMqtt } from '../helpers/endpoint.js';
import { FixedClock } from '../helpers/backend-app.js';
import { EventHub } from '../../src/backend/events/hub.js';
import { sha256, startReconciler, uploadKit } from '../helpers/uploads.js';

const photo = (size: number, seed = 1) => Buffer.alloc(size, seed);

/** A user who owns device `deviceId` (registered and paired in the store). */
async function owner(b: TestBackend, name: string, deviceId: string) {
  const user = await b.user(name);
  const now = b.clock.now().getTime();
  await b.store.createDevice({ deviceId, certificateId: undefined }, now);
  assert.equal(await b.store.linkUserDevice(user.id, deviceId, now), 'linked');
  return user;
}

backendTest(
  'a camera announcing over MQTT completes its upload once; replays change nothing',
  async (t, b) => {
    const kit = await uploadKit(t, b);
    const rec = startReconciler(t, b);
    const alice = await owner(b, 'alice', 'cam-mqtt');

    // The camera's identity, provisioned through the backend's device directory (IoT API, from a CSR).
    const keys = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=cam-mqtt',
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    });
    const provisioned = await b.services.devices.provision({
      deviceId: 'cam-mqtt',
      csrPem: csr.toString('pem'),
    });
    const cam = await connectMqtt(b.platform.endpoints.mqtt, {
      ca: kit.ca,
      cert: provisioned.certificatePem,
      key: await privateKeyToPem(keys.privateKey),
      clientId: 'cam-mqtt',
      servername: 'localhost',
    });
    t.after(() => cam.end(true));

    const upload = await kit.pending('cam-mqtt', { userId: alice.id });
    const bytes = photo(2048, 7);
    await kit.put(upload, bytes, { checksum: true });
    assert.equal((await b.services.objects.head(upload.bucket, upload.key))?.sha256, sha256(bytes));

    // What the camera publishes: the contract's notification, without clientId/receivedAt (the rule adds them).
    const queued = kit.notification(upload, bytes);
    const announced: Partial<typeof queued> = { ...queued };
    delete announced.clientId;
    delete announced.receivedAt;
    await cam.publishAsync(topics.uploads('cam-mqtt'), JSON.stringify(announced), { qos: 1 });
    const event = await rec.event(
      (e) => e.type === 'upload.completed' && e.data.uploadId === upload.uploadId,
    );

    const url = b.services.objects.objectUrl(upload.bucket, upload.key);
    const done = await b.store.findUpload(upload.uploadId);
    assert.equal(done?.status, 'done');
    assert.equal(done?.size, 2048);
    assert.equal(done?.sha256, sha256(bytes));
    assert.equal(done?.url, url);
    assert.equal(done?.capturedAt, Date.parse(queued.capturedAt));
    assert.equal(done?.completedAt, b.clock.now().getTime());
    assert.deepEqual(rec.events, [{ userId: alice.id, event }]);
    assert.equal(event.type, 'upload.completed');
    assert.match(event.id, /^[0-9]+$/);
    assert.deepEqual(event.data, {
      uploadId: upload.uploadId,
      deviceId: 'cam-mqtt',
      bucket: upload.bucket,
      key: upload.key,
      url,
      size: 2048,
      sha256: sha256(bytes),
      contentType: 'image/jpeg',
      capturedAt: queued.capturedAt,
      completedAt: b.clock.now().toISOString(),
    });

    // The same announcement again (a QoS 1 redelivery), and the rule's message replayed through SQS.
    b.clock.advance(1000);
    await cam.publishAsync(topics.uploads('cam-mqtt'), JSON.stringify(announced), { qos: 1 });
    const replayId = await kit.send(kit.notification(upload, bytes));
    const replay = await rec.handled((h) => h.messageId === replayId);
    const again = await rec.handled((h) => h.outcome.kind === 'duplicate' && h.messageId !== replayId);
    for (const h of [replay, again]) {
      assert.equal(h.outcome.kind, 'duplicate');
      assert.equal(h.deleted, true);
    }
    assert.deepEqual(await b.store.findUpload(upload.uploadId), done, 'a replay changes nothing');
    assert.equal(rec.events.length, 1, 'duplicates emit no event');
    assert.deepEqual(await kit.queueCounts(), { visible: 0, notVisible: 0 });
    assert.deepEqual(rec.consumer.counts, { completed: 1, duplicate: 2, rejected: 0, retry: 0 });
    const metrics = await rec.registry.metrics();
    assert.match(metrics, /camlink_backend_notifications_total\{outcome="completed"\} 1/);
    assert.match(metrics, /camlink_backend_notifications_total\{outcome="duplicate"\} 2/);
  },
);

backendTest(
  'an object stored without a checksum is hashed; the event goes to the current owner only',
  async (t, b) => {
    const kit = await uploadKit(t, b);
    const rec = startReconciler(t, b);
    const alice = await owner(b, 'alice', 'cam-1');
    await b.user('bob');
    // userId undefined: the device asked over MQTT; the event goes to whoever owns it now.
    const upload = await kit.pending('cam-1');
    const bytes = photo(300_000, 3);
    await kit.put(upload, bytes);
    assert.equal((await b.services.objects.head(upload.bucket, upload.key))?.sha256, undefined);
    await kit.send(kit.notification(upload, bytes));
    const event = await rec.event(
      (e) => e.type === 'upload.completed' && e.data.uploadId === upload.uploadId,
    );
    assert.equal((await b.store.findUpload(upload.uploadId))?.sha256, sha256(bytes));
    assert.deepEqual(rec.events, [{ userId: alice.id, event }]);
  },
);

backendTest(
  'notifications that cannot be honoured are rejected, deleted from the queue and emit nothing',
  async (t, b) => {
    const kit = await uploadKit(t, b);
    const rec = startReconciler(t, b);
    const alice = await owner(b, 'alice', 'cam-1');
    await owner(b, 'bob', 'cam-2');
    const bytes = photo(1000, 9);
    const now = b.clock.now().getTime();
    const stored = async (options: Parameters<typeof kit.pending>[1] = {}, checksum = true) => {
      const upload = await kit.pending('cam-1', { userId: alice.id, ...options });
      await kit.put(upload, bytes, { checksum });
      return upload;
    };
    const wrongSha = sha256(photo(1000, 8));

    // Each case: the message, the expected reason, and what becomes of its upload row.
    type Row = 'unchanged' | 'rejected';
    const cases: {
      name: string;
      body: unknown;
      reason: string;
      uploadId?: string;
      row?: Row;
      objectGone?: boolean;
    }[] = [];
    const add = (name: string, body: unknown, reason: string, uploadId?: string, row?: Row) =>
      cases.push({ name, body, reason, ...(uploadId ? { uploadId } : {}), ...(row ? { row } : {}) });

    add('not JSON', '{"uploadId": ', 'malformed');
    {
      const u = await stored();
      const noSha: Partial<ReturnType<typeof kit.notification>> = kit.notification(u, bytes);
      delete noSha.sha256;
      add('schema: no sha256', noSha, 'malformed', u.uploadId, 'unchanged');
      add(
        'schema: unknown key',
        { ...kit.notification(u, bytes), admin: true },
        'malformed',
        u.uploadId,
        'unchanged',
      );
    }
    {
      const u = await stored();
      add(
        'unknown upload',
        kit.notification(u, bytes, { uploadId: 'up-nobody-issued-this' }),
        'unknown-upload',
      );
    }
    {
      const u = await stored();
      // cam-2 announces cam-1's upload on its own topic (the rule sets deviceId from the topic).
      add(
        'foreign device',
        kit.notification(u, bytes, { deviceId: 'cam-2', clientId: 'cam-2' }),
        'foreign-device',
        u.uploadId,
        'unchanged',
      );
      add(
        'foreign client id',
        kit.notification(u, bytes, { clientId: 'cam-2' }),
        'foreign-device',
        u.uploadId,
        'unchanged',
      );
      add(
        'other key',
        kit.notification(u, bytes, { key: 'devices/cam-1/other.jpg' }),
        'wrong-object',
        u.uploadId,
        'unchanged',
      );
    }
    {
      const u = await stored();
      add('wrong size', kit.notification(u, bytes, { size: 999 }), 'size-mismatch', u.uploadId, 'rejected');
    }
    {
      const u = await stored();
      add(
        'wrong sha256 (store checksum)',
        kit.notification(u, bytes, { sha256: wrongSha }),
        'sha256-mismatch',
        u.uploadId,
        'rejected',
      );
    }
    {
      const u = await stored({}, false);
      add(
        'wrong sha256 (hashed)',
        kit.notification(u, bytes, { sha256: wrongSha }),
        'sha256-mismatch',
        u.uploadId,
        'rejected',
      );
    }
    {
      const u = await kit.pending('cam-1', { userId: alice.id });
      await kit.put(u, bytes, { contentType: 'image/png' });
      add(
        'stored content type differs',
        kit.notification(u, bytes),
        'content-type-mismatch',
        u.uploadId,
        'rejected',
      );
    }
    {
      const u = await stored();
      add(
        'announced content type differs',
        kit.notification(u, bytes, { contentType: 'image/png' }),
        'content-type-mismatch',
        u.uploadId,
        'rejected',
      );
    }
    {
      const u = await stored({ maxSize: 999 }, false);
      add('larger than allowed', kit.notification(u, bytes), 'too-large', u.uploadId, 'rejected');
    }
    {
      // Its PUT URL expired longer ago than the grace: the object will never come.
      const u = await kit.pending('cam-1', {
        userId: alice.id,
        expiresAt: now - MISSING_OBJECT_GRACE_MS - 1,
      });
      add(
        'object missing, URL long expired',
        kit.notification(u, bytes),
        'object-missing',
        u.uploadId,
        'rejected',
      );
    }
    {
      const u = await stored();
      assert.equal(
        await b.store.completeUpload(u.uploadId, {
          size: 1000,
          sha256: sha256(bytes),
          url: 'https://x/y',
          capturedAt: now,
          completedAt: now,
        }),
        'completed',
      );
      add(
        'done with another object',
        kit.notification(u, bytes, { sha256: wrongSha }),
        'conflict',
        u.uploadId,
        'unchanged',
      );
    }
    {
      const u = await stored();
      assert.equal(await b.store.rejectUpload(u.uploadId, 'earlier', now), true);
      add('rejected before', kit.notification(u, bytes), 'not-pending', u.uploadId, 'unchanged');
    }

    const before = new Map(
      await Promise.all(
        cases
          .filter((c) => c.uploadId)
          .map(async (c) => [c.uploadId, await b.store.findUpload(c.uploadId ?? '')] as const),
      ),
    );
    const sent = await Promise.all(cases.map(async (c) => ({ ...c, messageId: await kit.send(c.body) })));
    for (const c of sent) {
      const h = await rec.handled((x) => x.messageId === c.messageId);
      assert.equal(h.outcome.kind, 'rejected', c.name);
      assert.ok(h.outcome.kind === 'rejected');
      assert.equal(h.outcome.reason, c.reason, c.name);
      assert.equal(
        h.outcome.code,
        c.reason === 'malformed' ? 'NOTIFICATION_INVALID' : 'NOTIFICATION_REJECTED',
        c.name,
      );
      assert.equal(h.deleted, true, c.name);
      if (c.uploadId === undefined || c.row === undefined) continue;
      const row = await b.store.findUpload(c.uploadId);
      if (c.row === 'unchanged') {
        // Several cases share an upload; none of them may change it.
        assert.deepEqual(row, before.get(c.uploadId), c.name);
      } else {
        assert.equal(row?.status, 'rejected', c.name);
        assert.equal(row?.rejectedReason, c.reason, c.name);
        assert.equal(row?.size, undefined, c.name);
        assert.equal(
          await b.services.objects.head(row.bucket, row.key),
          undefined,
          `${c.name}: object deleted`,
        );
      }
    }
    assert.deepEqual(rec.events, [], 'no event for any rejected notification');
    assert.deepEqual(await kit.queueCounts(), { visible: 0, notVisible: 0 });
    assert.equal(rec.consumer.counts.rejected, cases.length);
    // Every rejection is logged with its reason, never with the message body.
    const logged = rec.logLines.map((l) => JSON.parse(l) as { msg: string; reason?: string });
    const rejections = logged.filter((l) => l.msg === 'upload notification rejected');
    assert.equal(rejections.length, cases.length);
    assert.deepEqual(new Set(rejections.map((l) => l.reason)), new Set(cases.map((c) => c.reason)));
    assert.ok(!rec.logLines.some((l) => l.includes('"uploadId": ')), 'the malformed body is not logged');
  },
);

backendTest(
  'an object not there yet is retried, survives a consumer restart and completes once it arrives',
  async (t, b) => {
    const kit = await uploadKit(t, b);
    const rec = startReconciler(t, b, { retryDelaySeconds: () => 1 });
    const alice = await owner(b, 'alice', 'cam-1');
    const upload = await kit.pending('cam-1', { userId: alice.id });
    const bytes = photo(500, 5);
    const messageId = await kit.send(kit.notification(upload, bytes));

    const first = await rec.handled((h) => h.messageId === messageId);
    assert.equal(first.outcome.kind, 'retry');
    assert.equal(first.deleted, false);
    assert.equal(first.receiveCount, 1);
    await rec.consumer.stop();
    assert.equal((await b.store.findUpload(upload.uploadId))?.status, 'pending');
    const counts = await kit.queueCounts();
    assert.equal(counts.visible + counts.notVisible, 1, 'the message stays on the queue');

    await kit.put(upload, bytes, { checksum: true });
    rec.consumer.start();
    const completed = await rec.handled((h) => h.messageId === messageId && h.outcome.kind === 'completed');
    assert.ok(completed.receiveCount >= 2);
    assert.equal(completed.deleted, true);
    assert.equal((await b.store.findUpload(upload.uploadId))?.status, 'done');
    assert.equal(rec.events.length, 1);
    assert.deepEqual(await kit.queueCounts(), { visible: 0, notVisible: 0 });
  },
);

backendTest(
  'a notification that keeps failing goes to the dead-letter queue after 5 receives',
  async (t, b) => {
    const kit = await uploadKit(t, b);
    const rec = startReconciler(t, b, { retryDelaySeconds: () => 0 });
    await owner(b, 'alice', 'cam-1');
    const upload = await kit.pending('cam-1');
    const body = JSON.stringify(kit.notification(upload, photo(10)));
    const messageId = await kit.send(body);
    const fifth = await rec.handled((h) => h.messageId === messageId && h.receiveCount === 5);
    assert.equal(fifth.outcome.kind, 'retry');
    const dlqUrl = b.services.uploadQueueUrl.replace(new RegExp(`${UPLOAD_QUEUE_NAME}$`), UPLOAD_DLQ_NAME);
    const dead = await kit.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 10 }));
    assert.equal(dead.Messages?.[0]?.Body, body);
    assert.deepEqual(await kit.queueCounts(), { visible: 0, notVisible: 0 });
    assert.equal((await b.store.findUpload(upload.uploadId))?.status, 'pending');
  },
);

const pick = (o: ReconcileOutcome) => ({ kind: o.kind, cause: o.kind === 'retry' ? o.cause : undefined });

test('upstream failures are retried and leave the row as it was; a failed delete still rejects', async (t) => {
  const store = await openTestStore(t, 'sqlite');
  const clock = new FixedClock();
  const hub = new EventHub(clock, 10);
  const published: unknown[] = [];
  hub.onPublish((e) => published.push(e));
  const now = clock.now().getTime();
  await store.createUser({ id: 'u-1', name: 'alice', createdAt: now });
  await store.createDevice({ deviceId: 'cam-1', certificateId: undefined }, now);
  const upload = {
    uploadId: 'up-1',
    deviceId: 'cam-1',
    userId: 'u-1',
    requestedBy: 'app' as const,
    bucket: 'media',
    key: 'devices/cam-1/up-1.jpg',
    contentType: 'image/jpeg',
    maxSize: 100,
    declaredSha256: undefined,
    status: 'pending' as const,
    size: undefined,
    sha256: undefined,
    url: undefined,
    capturedAt: undefined,
    createdAt: now,
    expiresAt: now + 60_000,
    completedAt: undefined,
    rejectedReason: undefined,
    deletedAt: undefined,
  };
  await store.createUpload(upload);
  const failing = new CamlinkError('UPSTREAM_FAILED', 'S3 HeadObject failed: InternalError: 500');
  let head: () => Promise<ObjectHead | undefined> = () => Promise.reject(failing);
  let deleted = 0;
  const deps: ReconcileDeps = {
    store,
    clock,
    logger: createLogger({ level: 'silent' }),
    events: hub,
    services: {
      objects: {
        head: () => head(),
        get: () => Promise.reject(failing),
        fetch: () => Promise.reject(failing),
        delete: () => {
          deleted++;
          return Promise.reject(failing);
        },
        put: () => Promise.reject(failing),
        objectUrl: (bucket: string, key: string) => `https://s3.example/${bucket}/${key}`,
      },
    },
  };
  const message = JSON.stringify({
    uploadId: 'up-1',
    deviceId: 'cam-1',
    bucket: 'media',
    key: 'devices/cam-1/up-1.jpg',
    url: 'https://s3.example/media/devices/cam-1/up-1.jpg',
    size: 10,
    sha256: sha256(photo(10)),
    contentType: 'image/jpeg',
    capturedAt: new Date(now).toISOString(),
    uploadedAt: new Date(now).toISOString(),
    clientId: 'cam-1',
    receivedAt: now,
  });
  const retried = await reconcile(deps, message);
  assert.equal(retried.kind, 'retry');
  assert.ok(retried.kind === 'retry');
  assert.equal(retried.error, failing);
  // Unreachable or 5xx: the backend's own failure, not the message's (the consumer pauses, breaker.ts).
  assert.equal(retried.cause, 'objects');
  assert.equal((await store.findUpload('up-1'))?.status, 'pending');

  // A refusal (4xx) is about the request: it counts against the message, as before.
  const refusal = new CamlinkError('UPSTREAM_FAILED', 'S3 HeadObject failed: AccessDenied', {
    cause: Object.assign(new Error('Access Denied'), { $metadata: { httpStatusCode: 403 } }),
  });
  head = () => Promise.reject(refusal);
  assert.deepEqual(pick(await reconcile(deps, message)), { kind: 'retry', cause: 'message' });
  // The object not there yet: the message's own state.
  head = () => Promise.resolve(undefined);
  assert.deepEqual(pick(await reconcile(deps, message)), { kind: 'retry', cause: 'message' });
  // The store failing: the backend's own.
  const broken: ReconcileDeps = {
    ...deps,
    store: new Proxy(store, {
      get: (target, property) =>
        property === 'findUpload'
          ? () => Promise.reject(new Error('SQLITE_FULL: database or disk is full'))
          : (Reflect.get(target, property) as unknown),
    }),
  };
  assert.deepEqual(pick(await reconcile(broken, message)), { kind: 'retry', cause: 'store' });
  head = () => Promise.reject(failing);

  // HEAD answers, but no checksum and GET fails: still a retry (the object store's).
  head = () => Promise.resolve({ size: 10, contentType: 'image/jpeg', sha256: undefined, etag: undefined });
  assert.deepEqual(pick(await reconcile(deps, message)), { kind: 'retry', cause: 'objects' });

  // A size mismatch rejects the upload even when deleting its object fails (logged, not retried).
  head = () => Promise.resolve({ size: 11, contentType: 'image/jpeg', sha256: undefined, etag: undefined });
  const refused = await reconcile(deps, message);
  assert.deepEqual(refused, {
    kind: 'rejected',
    code: 'NOTIFICATION_REJECTED',
    reason: 'size-mismatch',
    uploadId: 'up-1',
    uploadRejected: true,
  });
  assert.equal(deleted, 1);
  assert.equal((await store.findUpload('up-1'))?.status, 'rejected');
  assert.deepEqual(published, []);
});

test("the platform's backend consumes the upload queue, counts outcomes on /metrics and stops promptly", async (t) => {
  const dataDir = await tempDir(t);
  const config = withEphemeralPorts(
    loadConfig({
      env: {},
      // The default 20 s long poll: stopping must abort it, not wait for it.
      flags: { dataDir, backend: { reconciler: { enabled: true, waitTimeSeconds: 20 } } },
    }),
  );
  let onHandled: (entry: Record<string, unknown>) => void = () => undefined;
  const handled = new Promise<Record<string, unknown>>((resolve) => (onHandled = resolve));
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === 'upload notification handled') onHandled(entry);
      }
      done();
    },
  });
  const platform = await startPlatform(config, createLogger({ level: 'debug' }, sink));
  let closed = false;
  t.after(() => (closed ? undefined : platform.close()));
  const ca = await readFile(platform.endpoints.caPath);
  const sqs = new SQSClient(sdkOptions(platform.endpoints.sqs, ca, platform.endpoints.credentials));
  t.after(() => sqs.destroy());
  await sqs.send(
    new SendMessageCommand({ QueueUrl: platform.endpoints.uploadQueueUrl, MessageBody: 'not json' }),
  );

  const entry = await handled;
  assert.equal(entry.component, 'reconciler');
  assert.equal(entry.outcome, 'rejected');
  assert.equal(entry.deleted, true);
  const counts = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: platform.endpoints.uploadQueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  assert.equal(counts.Attributes?.ApproximateNumberOfMessages, '0');
  assert.equal(counts.Attributes?.ApproximateNumberOfMessagesNotVisible, '0');
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
  assert.match(metrics, /camlink_backend_notifications_total\{outcome="rejected"\} 1/);
  assert.match(metrics, /camlink_backend_notifications_rejected_total\{reason="malformed"\} 1/);
  // close() aborts the 20 s long poll; a hang here fails the test by its timeout.
  closed = true;
  await platform.close();
});
