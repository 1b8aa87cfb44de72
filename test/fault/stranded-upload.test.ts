/**
 * Fault: a camera dies between the store's commit of its PUT and the write of its outbox, so the
 * notification that would complete its upload never comes (issue 24, finding 7). The backend's sweeper
 * decides such uploads once their PUT URL expired more than MISSING_OBJECT_GRACE_MS ago: the object is
 * there -> `done` (upload.completed once, the thumbnail); no object -> `rejected` (object-missing).
 * A notification that comes after all, or a second sweeper, finds the upload decided: `duplicate`.
 *
 * Both stores (SQLite and PostgreSQL), a real embedded platform; the backend's clock is a FixedClock
 * the test moves past the expiry, and the sweeper's timer is fired by the test: nothing sleeps.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { IssuedUpload } from '../../src/app/backend-client.js';
import { MISSING_OBJECT_GRACE_MS } from '../../src/backend/uploads/reconcile.js';
import { createLogger } from '../../src/log/logger.js';
import { sweepUpload } from '../../src/backend/uploads/sweeper.js';
import { putFile } from '../../src/device/uploader.js';
import { sampleJpeg } from '../../src/device/sample-images.js';
import { backendTest, type TestBackend } from '../helpers/backend-app.js';
import { tempDir } from '../helpers/tmp.js';
import { sha256, startReconciler, startSweeper, uploadKit } from '../helpers/uploads.js';

/** A user owning `deviceId` (registered through the API, paired in the store). */
async function owner(b: TestBackend, name: string, deviceId: string) {
  const user = await b.user(name);
  const res = await b.call('POST', '/v1/devices', { token: b.operatorToken, body: { deviceId } });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(await b.store.linkUserDevice(user.id, deviceId, b.clock.now().getTime()), 'linked');
  return user;
}

/** An upload URL, asked for through the API as the app does. */
async function issue(b: TestBackend, token: string, deviceId: string, body: unknown): Promise<IssuedUpload> {
  const res = await b.call('POST', `/v1/devices/${deviceId}/uploads`, { token, body });
  assert.equal(res.statusCode, 201, res.body);
  return res.json<IssuedUpload>();
}

/** The camera's own PUT (src/device/uploader.ts) of `bytes` to the issued URL; then the camera dies. */
async function cameraPut(t: TestContext, b: TestBackend, issued: IssuedUpload, bytes: Buffer) {
  const file = join(await tempDir(t), 'picture.jpg');
  await writeFile(file, bytes);
  const agent = new Agent({ ca: await readFile(b.platform.endpoints.caPath), keepAlive: false });
  t.after(() => agent.destroy());
  return putFile({ file, target: issued.put, agent, clock: b.clock, maxAttempts: 1 });
}

async function uploadView(b: TestBackend, token: string, uploadId: string) {
  const res = await b.call('GET', `/v1/uploads/${uploadId}`, { token });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ upload: Record<string, unknown> }>().upload;
}

backendTest(
  'a camera that dies after its PUT: the upload is completed once, after expiry + grace, without a notification',
  async (t, b) => {
    const kit = await uploadKit(t, b);
    const rec = startReconciler(t, b);
    const s = startSweeper(t, b, { thumbnails: true });
    const alice = await owner(b, 'alice', 'cam-1');
    const bytes = sampleJpeg('stranded');
    const issued = await issue(b, alice.token, 'cam-1', {
      contentType: 'image/jpeg',
      size: bytes.length,
      sha256: sha256(bytes),
    });
    const put = await cameraPut(t, b, issued, bytes);
    assert.equal(put.sha256, sha256(bytes));
    // The camera dies here: no outbox entry, so no notification ever.

    // The first pass runs at start; while the URL (and then the grace) lasts, a PUT may still be under
    // way and the upload stays pending.
    assert.deepEqual(await s.sweep(), {
      examined: 0,
      outcomes: { completed: 0, rejected: 0, duplicate: 0, conflict: 0, retry: 0 },
      failed: false,
      more: false,
    });
    assert.deepEqual(s.timers.delays, [60_000], 'the next pass one interval after this one');
    const expiresAt = Date.parse(issued.put.expiresAt);
    b.clock.advance(expiresAt + MISSING_OBJECT_GRACE_MS - b.clock.now().getTime());
    assert.equal((await s.sweep()).examined, 0, 'not at expiry + grace itself');
    assert.equal((await b.store.findUpload(issued.uploadId))?.status, 'pending');

    b.clock.advance(1);
    const pass = await s.sweep();
    assert.equal(pass.examined, 1);
    assert.equal(pass.outcomes.completed, 1);
    const done = await b.store.findUpload(issued.uploadId);
    assert.equal(done?.status, 'done');
    assert.equal(done?.size, bytes.length);
    assert.equal(done?.sha256, sha256(bytes));
    assert.equal(done?.url, b.services.objects.objectUrl(issued.bucket, issued.key));
    assert.equal(done?.capturedAt, undefined, 'only a notification knows when the picture was taken');
    assert.equal(done?.completedAt, b.clock.now().getTime());

    // One upload.completed, to the owner, with what a notification's completion says (capturedAt null);
    // then the thumbnail, as for any completed picture.
    const completed = rec.events.filter((e) => e.event.type === 'upload.completed');
    assert.equal(completed.length, 1);
    assert.equal(completed[0]?.userId, alice.id);
    assert.deepEqual(completed[0]?.event.data, {
      uploadId: issued.uploadId,
      deviceId: 'cam-1',
      bucket: issued.bucket,
      key: issued.key,
      url: done?.url,
      size: bytes.length,
      sha256: sha256(bytes),
      contentType: 'image/jpeg',
      capturedAt: null,
      completedAt: b.clock.now().toISOString(),
    });
    await rec.event((e) => e.type === 'upload.thumbnail' && e.data.uploadId === issued.uploadId);
    const view = await uploadView(b, alice.token, issued.uploadId);
    assert.equal(view.status, 'done');
    assert.equal(view.capturedAt, null);
    assert.ok(view.get, 'a done upload can be fetched');
    assert.match(await s.registry.metrics(), /camlink_backend_sweeper_total\{outcome="completed"\} 1/);
    const decided = s.logLines.filter((l) => l.includes('pending upload swept without a notification'));
    assert.equal(decided.length, 1);
    assert.match(decided[0] ?? '', new RegExp(`"uploadId":"${issued.uploadId}".*"outcome":"completed"`));
    assert.ok(s.logLines.some((l) => l.includes('"msg":"upload sweep pass"') && l.includes('"completed":1')));
    assert.equal((await s.sweep()).examined, 0, 'a decided upload leaves the selection');

    // The camera was not dead after all: its notification arrives late and is a duplicate.
    const upload = await b.store.findUpload(issued.uploadId);
    assert.ok(upload);
    const late = kit.notification(upload, bytes);
    const messageId = await kit.send(late);
    const handled = await rec.handled((h) => h.messageId === messageId);
    assert.equal(handled.outcome.kind, 'duplicate');
    assert.equal(rec.events.filter((e) => e.event.type === 'upload.completed').length, 1, 'no second event');
    const after = await b.store.findUpload(issued.uploadId);
    assert.deepEqual(after, { ...done, capturedAt: Date.parse(late.capturedAt) }, 'only the capture time');
  },
);

backendTest(
  'an upload URL never used: rejected as object-missing after expiry + grace, not before',
  async (t, b) => {
    const rec = startReconciler(t, b, { start: false });
    const s = startSweeper(t, b);
    const alice = await owner(b, 'alice', 'cam-1');
    const issued = await issue(b, alice.token, 'cam-1', { contentType: 'image/jpeg' });
    assert.equal((await s.sweep()).examined, 0);
    b.clock.advance(Date.parse(issued.put.expiresAt) + MISSING_OBJECT_GRACE_MS - b.clock.now().getTime());
    assert.equal((await s.sweep()).examined, 0);
    assert.equal((await uploadView(b, alice.token, issued.uploadId)).status, 'pending');

    b.clock.advance(1);
    const pass = await s.sweep();
    assert.equal(pass.outcomes.rejected, 1);
    const rejected = await b.store.findUpload(issued.uploadId);
    assert.equal(rejected?.status, 'rejected');
    assert.equal(rejected?.rejectedReason, 'object-missing');
    assert.equal(rejected?.completedAt, b.clock.now().getTime());
    // What the app sees: the upload is rejected, with the reason; no longer listed as pending.
    const view = await uploadView(b, alice.token, issued.uploadId);
    assert.equal(view.status, 'rejected');
    assert.equal(view.rejectedReason, 'object-missing');
    assert.equal(view.get, undefined);
    const pending = await b.call('GET', '/v1/devices/cam-1/uploads?status=pending', { token: alice.token });
    assert.deepEqual(pending.json<{ uploads: unknown[] }>().uploads, []);
    assert.deepEqual(rec.events, [], 'a rejection publishes nothing');
    assert.match(await s.registry.metrics(), /camlink_backend_sweeper_total\{outcome="rejected"\} 1/);
    assert.ok(
      s.logLines.some(
        (l) =>
          l.includes('pending upload swept without a notification') &&
          l.includes('"reason":"object-missing"'),
      ),
    );
  },
);

backendTest(
  'a notification and a sweeper, or two sweepers (replicas), racing for one upload complete it once',
  async (t, b) => {
    const kit = await uploadKit(t, b);
    const rec = startReconciler(t, b);
    const alice = await owner(b, 'alice', 'cam-1');
    const bytes = [sampleJpeg('raced'), sampleJpeg('stranded')] as const;
    const first = await issue(b, alice.token, 'cam-1', { contentType: 'image/jpeg', size: bytes[0].length });
    const second = await issue(b, alice.token, 'cam-1', { contentType: 'image/jpeg' });
    await cameraPut(t, b, first, bytes[0]);
    await cameraPut(t, b, second, bytes[1]);
    // Each replica's sweeper took both rows while they were pending (the rows are from before).
    const rows = await Promise.all([first, second].map((u) => b.store.findUpload(u.uploadId)));
    const [taken, stranded] = rows;
    assert.ok(taken && stranded);

    // The first camera's notification wins; the sweeper then finds its upload done with the same object.
    await kit.send(kit.notification(taken, bytes[0]));
    await rec.event((e) => e.type === 'upload.completed' && e.data.uploadId === first.uploadId);
    const expired = Math.max(taken.expiresAt, stranded.expiresAt) + MISSING_OBJECT_GRACE_MS + 1;
    b.clock.advance(expired - b.clock.now().getTime());
    const replica = (name: string) => ({
      store: b.store,
      clock: b.clock,
      logger: createLogger({ level: 'silent' }).child({ replica: name }),
      services: b.services,
      events: b.events,
    });
    assert.deepEqual(await sweepUpload(replica('a'), taken), { kind: 'duplicate', uploadId: first.uploadId });

    // Two replicas decide the second (stranded) upload at once: one completes it, the other's is a duplicate.
    const outcomes = await Promise.all([
      sweepUpload(replica('a'), stranded),
      sweepUpload(replica('b'), stranded),
    ]);
    assert.deepEqual(outcomes.map((o) => o.kind).sort(), ['completed', 'duplicate']);
    assert.deepEqual(
      rec.events.flatMap((e) => (e.event.type === 'upload.completed' ? [e.event.data.uploadId] : [])),
      [first.uploadId, second.uploadId],
      'one event per upload',
    );
    assert.equal((await b.store.findUpload(second.uploadId))?.sha256, sha256(bytes[1]));
  },
);
