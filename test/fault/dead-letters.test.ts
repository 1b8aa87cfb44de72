/**
 * The dead-letter queue is not a grave (issue 24, finding 1). The finding: with only the backend's
 * database failing (SQLite on a full disk) for a few minutes, 20 uploads with a 2xx PUT and a PUBACK
 * spent their 5 receives on the reconciler's own failure, went to the dead-letter queue without a log
 * line, and stayed `pending` for good. What holds now:
 *
 * - a failure of the backend's own store spends no receives: the reconciler pauses (circuit breaker,
 *   probing the store with a real write), the messages wait on the queue, and when the store works
 *   again every upload completes; nothing reaches the dead-letter queue;
 * - a store that fails each reconciliation while its probe passes (flapping) still dead-letters
 *   nothing: a notification at its last receives is re-sent as a fresh message;
 * - a notification that does dead-letter (its object never came, until it did) is logged by the queue,
 *   counted by the backend (/metrics, GET /v1/dead-letters), moved back by `camlink queue redrive` and
 *   reconciled;
 * - on a really full disk (a 4 MiB tmpfs) SQLite still answers reads but refuses the probe's write:
 *   why the breaker probes with a write.
 *
 * The store outage is the real store behind a proxy that refuses a given number of calls, as SQLite
 * on a full disk refuses writes: the outage is measured in refused calls, not in time. Progress is
 * awaited from the reconciler's events and the dead-letter queue's long poll, never slept.
 */
import assert from 'node:assert/strict';
import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { openBackendStore } from '../../src/backend/store/open.js';
import type { BackendStore, Upload } from '../../src/backend/store/types.js';
import { UPLOAD_DLQ_NAME, UPLOAD_QUEUE_NAME } from '../../src/contracts/upload-queue.js';
import { startTestBackend, type TestBackend } from '../helpers/backend-app.js';
import { cli } from '../helpers/cli.js';
import { mountTmpfs } from '../helpers/tmpfs.js';
import { startReconciler, uploadKit, type TestReconciler, type UploadKit } from '../helpers/uploads.js';

/**
 * The real store, whose calls (all, or only `methods`) are refused while `refusals` lasts, with the
 * error SQLite gives on a full disk. Every refusal counts one down.
 */
function withOutage(store: BackendStore, methods?: ReadonlySet<string>) {
  const state = { refusals: 0, refused: 0 };
  const proxy = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function' || property === 'close') return value;
      return (...args: unknown[]): unknown => {
        if (state.refusals > 0 && (methods === undefined || methods.has(String(property)))) {
          state.refusals -= 1;
          state.refused += 1;
          return Promise.reject(
            Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }),
          );
        }
        return Reflect.apply(value, target, args) as unknown;
      };
    },
  });
  return { store: proxy, state };
}

const dlqUrlOf = (b: TestBackend) =>
  b.services.uploadQueueUrl.replace(new RegExp(`${UPLOAD_QUEUE_NAME}$`), UPLOAD_DLQ_NAME);

/** Resolves with the body of the first message to reach the dead-letter queue (a long poll). */
function firstDeadLetter(t: TestContext, sqs: SQSClient, dlqUrl: string): Promise<string> {
  const abort = new AbortController();
  t.after(() => abort.abort());
  return (async () => {
    while (!abort.signal.aborted) {
      try {
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 20, VisibilityTimeout: 0 }),
          { abortSignal: abort.signal },
        );
        const body = out.Messages?.[0]?.Body;
        if (body !== undefined) return body;
      } catch (err) {
        if (!abort.signal.aborted) throw err;
      }
    }
    return new Promise<string>(() => undefined);
  })();
}

/** Pending uploads of four cameras, each with its object PUT (2xx) and the bytes it holds. */
async function storedUploads(b: TestBackend, kit: UploadKit, n: number) {
  const now = b.clock.now().getTime();
  for (let i = 0; i < 4; i++)
    await b.store.createDevice({ deviceId: `cam-${i}`, certificateId: undefined }, now);
  const uploads: { upload: Upload; bytes: Buffer }[] = [];
  for (let i = 0; i < n; i++) {
    const upload = await kit.pending(`cam-${i % 4}`);
    const bytes = Buffer.alloc(1000 + i, i);
    await kit.put(upload, bytes, { checksum: true });
    uploads.push({ upload, bytes });
  }
  return uploads;
}

/** Resolves when the reconciler completed the upload (its devices have no owner: no user event). */
const completed = (rec: TestReconciler, uploadId: string) =>
  rec.handled((h) => h.outcome.kind === 'completed' && h.outcome.uploadId === uploadId);

const messages = (rec: TestReconciler) => rec.logLines.map((l) => JSON.parse(l) as Record<string, unknown>);

test('the store fails while 20 notifications arrive: none is dead-lettered, and once it works all 20 uploads are done', async (t) => {
  const platformLines: Record<string, unknown>[] = [];
  const b = await startTestBackend(t, 'sqlite', { onPlatformLog: (l) => platformLines.push(l) });
  const kit = await uploadKit(t, b);
  const uploads = await storedUploads(b, kit, 20);
  // The outage lasts as many refused calls as the old consumer needed to spend every receive of all 20
  // notifications (20 x maxReceiveCount 5).
  const outage = withOutage(b.store);
  outage.state.refusals = 20 * 5;
  const deadLetter = firstDeadLetter(t, kit.sqs, dlqUrlOf(b));
  const rec = startReconciler(t, b, {
    store: outage.store,
    retryDelaySeconds: () => 0,
    probeDelayMs: () => 5,
  });
  for (const { upload, bytes } of uploads) await kit.send(kit.notification(upload, bytes));

  const allDone = Promise.all(uploads.map(({ upload }) => completed(rec, upload.uploadId)));
  const first = await Promise.race([allDone.then(() => undefined), deadLetter]);
  assert.equal(first, undefined, `a notification reached the dead-letter queue: ${first}`);
  assert.equal(outage.state.refused, 100, 'the outage ran its course');
  for (const { upload } of uploads) {
    assert.equal((await b.store.findUpload(upload.uploadId))?.status, 'done', upload.uploadId);
  }
  assert.equal(rec.consumer.counts.completed, 20);
  assert.deepEqual(await kit.queueCounts(dlqUrlOf(b)), { visible: 0, notVisible: 0 });
  assert.deepEqual(await kit.queueCounts(), { visible: 0, notVisible: 0 });
  assert.ok(!platformLines.some((l) => l.msg === 'message moved to the dead-letter queue'));

  // One line when it paused, one when it resumed; the state is on /metrics.
  const lines = messages(rec);
  const paused = lines.filter((l) => /^the reconciler paused/.test(String(l.msg)));
  const resumed = lines.filter((l) => /^the reconciler resumed/.test(String(l.msg)));
  assert.equal(paused.length, 1);
  assert.equal(paused[0]?.dependency, 'store');
  assert.equal(paused[0]?.level, 50, 'an error line');
  assert.equal(resumed.length, 1);
  const metrics = await rec.registry.metrics();
  assert.match(metrics, /camlink_backend_reconciler_pauses_total\{dependency="store"\} 1\n/);
  assert.match(metrics, /camlink_backend_reconciler_paused\{dependency="store"\} 0\n/);
});

test('a store that fails each reconciliation while its probe passes: a notification at its last receives is re-sent, never dead-lettered', async (t) => {
  const b = await startTestBackend(t, 'sqlite');
  const kit = await uploadKit(t, b);
  const [stored] = await storedUploads(b, kit, 1);
  assert.ok(stored);
  // findUpload fails 9 times; the probe's write always works. maxReceiveCount is 5: the 4th receive
  // of each copy fails for the store's reason, so it is re-sent (at least twice), then reconciled.
  const outage = withOutage(b.store, new Set(['findUpload']));
  outage.state.refusals = 9;
  const deadLetter = firstDeadLetter(t, kit.sqs, dlqUrlOf(b));
  const rec = startReconciler(t, b, {
    store: outage.store,
    retryDelaySeconds: () => 0,
    probeDelayMs: () => 5,
  });
  await kit.send(kit.notification(stored.upload, stored.bytes));
  const first = await Promise.race([
    completed(rec, stored.upload.uploadId).then(() => undefined),
    deadLetter,
  ]);
  assert.equal(first, undefined, `the notification reached the dead-letter queue: ${first}`);
  assert.equal(outage.state.refused, 9);
  assert.equal((await b.store.findUpload(stored.upload.uploadId))?.status, 'done');
  // Re-sent at least twice (9 failures, 4 receives a copy; a receive that met the paused reconciler
  // was held without a try, so it can be more), each copy counting its re-sends.
  const resent = messages(rec).filter((l) => /^upload notification re-sent/.test(String(l.msg)));
  assert.ok(resent.length >= 2, `re-sent ${resent.length} times`);
  assert.deepEqual(
    resent.map((l) => l.requeues),
    resent.map((_l, i) => i + 1),
  );
  assert.match(
    await rec.registry.metrics(),
    new RegExp(`camlink_backend_notifications_requeued_total ${resent.length}\n`),
  );
  assert.deepEqual(await kit.queueCounts(dlqUrlOf(b)), { visible: 0, notVisible: 0 });
});

test('a notification that does dead-letter is logged, counted, redriven by `camlink queue redrive` and reconciled', async (t) => {
  const logLines: string[] = [];
  const platformLines: Record<string, unknown>[] = [];
  const b = await startTestBackend(t, 'sqlite', {
    watchDeadLetters: true,
    logLines,
    onPlatformLog: (l) => platformLines.push(l),
  });
  const kit = await uploadKit(t, b);
  const now = b.clock.now().getTime();
  await b.store.createDevice({ deviceId: 'cam-late', certificateId: undefined }, now);
  const upload = await kit.pending('cam-late');
  const bytes = Buffer.alloc(2048, 7);
  const rec = startReconciler(t, b, { retryDelaySeconds: () => 0 });
  // Its object is not there (yet): the message's own retry, five times, then the dead-letter queue.
  const deadLetter = firstDeadLetter(t, kit.sqs, dlqUrlOf(b));
  const notification = kit.notification(upload, bytes);
  const messageId = await kit.send(notification);
  assert.equal(await deadLetter, JSON.stringify(notification));
  // The queue logs the move as it makes it (before the dead-letter queue's long poll wakes).
  const line = platformLines.find((l) => l.msg === 'message moved to the dead-letter queue');
  assert.ok(line, 'the queue logged the dead-lettered message');
  assert.equal(line.level, 40, 'a warn line');
  assert.equal(line.component, 'queue');
  assert.deepEqual(
    [line.queue, line.deadLetterQueue, line.messageId, line.receiveCount],
    [UPLOAD_QUEUE_NAME, UPLOAD_DLQ_NAME, messageId, 5],
  );
  assert.equal((await rec.handled((h) => h.receiveCount === 5)).outcome.kind, 'retry');

  // Counted by the backend: the gauge, the operator's API (what the dashboard shows), a warn line.
  const watcher = b.deadLetters;
  assert.ok(watcher);
  assert.equal((await watcher.check()).count, 1);
  const metrics = await b.call('GET', '/metrics', { token: b.operatorToken });
  assert.match(metrics.body, /\ncamlink_backend_dead_letters 1\n/);
  const api = await b.call('GET', '/v1/dead-letters', { token: b.operatorToken });
  assert.equal(api.statusCode, 200);
  assert.deepEqual(api.json<{ deadLetters: Record<string, unknown> }>().deadLetters, {
    queue: UPLOAD_DLQ_NAME,
    count: 1,
    checkedAt: b.clock.now().toISOString(),
    error: null,
    redrive: 'camlink queue redrive',
  });
  const user = await b.user('alice');
  assert.equal((await b.call('GET', '/v1/dead-letters', { token: user.token })).statusCode, 403);
  const warned = logLines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => l.count === 1 && /^upload notifications are in the dead-letter queue/.test(String(l.msg)));
  assert.equal(warned?.level, 40);
  const counted = await cli(['queue', 'dead-letters', '--data-dir', b.config.dataDir, '--json']);
  assert.equal(counted.code, 0, counted.stderr);
  const before = JSON.parse(counted.stdout) as Record<string, unknown>;
  assert.equal(before.messages, 1);
  // Kept 14 days as on AWS (the platform raises an older data dir's 4-day default).
  assert.match(String(before.retention), /^14 days \(1209600 s/);

  // The object arrives; the operator redrives; the notification is reconciled.
  await kit.put(upload, bytes, { checksum: true });
  const done = completed(rec, upload.uploadId);
  const redriven = await cli(['queue', 'redrive', '--data-dir', b.config.dataDir]);
  assert.equal(redriven.code, 0, redriven.stderr);
  assert.match(redriven.stdout, /status +COMPLETED\n/);
  assert.match(redriven.stdout, /moved +1\n/);
  assert.match(redriven.stderr, /redrive: COMPLETED, moved 1 of 1\n/);
  await done;
  assert.equal((await b.store.findUpload(upload.uploadId))?.status, 'done');
  assert.equal((await watcher.check()).count, 0);
  assert.deepEqual(await kit.queueCounts(dlqUrlOf(b)), { visible: 0, notVisible: 0 });
  const after = await cli(['queue', 'dead-letters', '--data-dir', b.config.dataDir, '--json']);
  const shown = JSON.parse(after.stdout) as Record<string, unknown>;
  assert.equal(shown.messages, 0);
  assert.equal(shown['last redrive'], 'COMPLETED, moved 1 of 1');
});

test('on a full disk SQLite still answers reads but refuses the probe write, until space is freed', async (t) => {
  const tmpfs = await mountTmpfs('4m');
  const store = await openBackendStore({ kind: 'sqlite', path: join(tmpfs.dir, 'backend.db') }, 0);
  // Cleanup runs in this order: the store closes before the tmpfs goes.
  t.after(() => store.close());
  t.after(() => tmpfs.unmount());
  await store.probeWrite('reconciler', 1);
  const filler = join(tmpfs.dir, 'filler');
  await writeFile(filler, Buffer.alloc(8 * 1024 * 1024)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOSPC') throw err; // it fills whatever was left: that is the point
  });
  await store.ping();
  assert.equal(await store.findUpload('none'), undefined, 'reads work on the full disk');
  await assert.rejects(store.probeWrite('reconciler', 2), (err: Error) =>
    /SQLITE_FULL|disk is full/i.test(`${(err as { code?: string }).code ?? ''} ${err.message}`),
  );
  await unlink(filler);
  await store.probeWrite('reconciler', 3);
});
