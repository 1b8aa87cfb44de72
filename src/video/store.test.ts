import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../util/clock.js';
import { isKvsError } from './errors.js';
import { VideoStore } from './store.js';

const HOUR = 3_600_000;

class ManualClock implements Clock {
  constructor(public ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
}

function open(t: TestContext, options: { maxStreams?: number; clock?: Clock } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'camlink-video-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const clock = options.clock ?? new ManualClock(Date.UTC(2024, 0, 1));
  const store = new VideoStore({
    path: join(dir, 'video.db'),
    videoDir: join(dir, 'video'),
    region: 'us-east-1',
    accountId: '000000000000',
    maxStreams: options.maxStreams ?? 10,
    clock,
  });
  t.after(() => store.close());
  return { store, dir };
}

const kvs = (type: string) => (err: unknown) => isKvsError(err) && err.type === type;

test('streams: create, describe by name and ARN, duplicates, limit, update, retention, delete', (t) => {
  const { store } = open(t, { maxStreams: 2 });
  const cam = store.createStream({ name: 'cam-1', dataRetentionHours: 24, mediaType: 'video/h264' });
  assert.equal(cam.arn, `arn:aws:kinesisvideo:us-east-1:000000000000:stream/cam-1/${Date.UTC(2024, 0, 1)}`);
  assert.equal(cam.status, 'ACTIVE');
  assert.match(cam.version, /^[a-zA-Z0-9]{20}$/);
  assert.equal(cam.kmsKeyId, 'arn:aws:kms:us-east-1:000000000000:alias/aws/kinesisvideo');
  assert.deepEqual(store.describeStream({ arn: cam.arn }), cam);
  assert.throws(
    () => store.createStream({ name: 'cam-1', dataRetentionHours: 0 }),
    kvs('ResourceInUseException'),
  );
  store.createStream({ name: 'cam-2', dataRetentionHours: 0 });
  assert.throws(
    () => store.createStream({ name: 'cam-3', dataRetentionHours: 0 }),
    kvs('AccountStreamLimitExceededException'),
  );
  assert.throws(() => store.describeStream({ name: 'nope' }), kvs('ResourceNotFoundException'));
  assert.throws(() => store.describeStream({ name: 'cam-2', arn: cam.arn }), kvs('InvalidArgumentException'));

  assert.throws(() => store.updateStream({ name: 'cam-1' }, 'stale', {}), kvs('VersionMismatchException'));
  store.updateStream({ name: 'cam-1' }, cam.version, { deviceName: 'door' });
  const updated = store.describeStream({ name: 'cam-1' });
  assert.equal(updated.deviceName, 'door');
  assert.equal(updated.mediaType, 'video/h264');
  assert.notEqual(updated.version, cam.version);
  store.updateDataRetention({ name: 'cam-1' }, updated.version, -24);
  assert.equal(store.describeStream({ name: 'cam-1' }).dataRetentionHours, 0);
  const v = store.describeStream({ name: 'cam-1' }).version;
  assert.throws(() => store.updateDataRetention({ name: 'cam-1' }, v, -1), kvs('InvalidArgumentException'));
  assert.throws(
    () => store.updateDataRetention({ name: 'cam-1' }, v, 87_601),
    kvs('InvalidArgumentException'),
  );

  assert.throws(() => store.deleteStream({ arn: cam.arn }, 'stale'), kvs('VersionMismatchException'));
  store.deleteStream({ arn: cam.arn });
  assert.throws(() => store.describeStream({ name: 'cam-1' }), kvs('ResourceNotFoundException'));
  store.createStream({ name: 'cam-3', dataRetentionHours: 1 });
});

test('streams: listing pages by name and filters by a literal prefix', (t) => {
  const { store } = open(t);
  for (const name of ['b_1', 'a.x', 'bb', 'b1', 'c']) store.createStream({ name, dataRetentionHours: 1 });
  const first = store.listStreams({ limit: 2 });
  assert.deepEqual(
    first.streams.map((s) => s.name),
    ['a.x', 'b1'],
  );
  assert.equal(first.more, true);
  const rest = store.listStreams({ limit: 10, after: 'b1' });
  assert.deepEqual(
    rest.streams.map((s) => s.name),
    ['b_1', 'bb', 'c'],
  );
  assert.equal(rest.more, false);
  assert.deepEqual(
    store.listStreams({ limit: 10, prefix: 'b_' }).streams.map((s) => s.name),
    ['b_1'],
  );
  assert.deepEqual(
    store.listStreams({ limit: 10, prefix: 'B' }).streams.map((s) => s.name),
    [],
  );
});

test('tags: merge, replace, remove, at most 50', (t) => {
  const { store } = open(t);
  store.createStream({ name: 's', dataRetentionHours: 1, tags: { a: '1' } });
  store.tagStream({ name: 's' }, { a: '2', b: '' });
  assert.deepEqual(store.listTags({ name: 's' }), { a: '2', b: '' });
  store.untagStream({ name: 's' }, ['a', 'missing']);
  assert.deepEqual(store.listTags({ name: 's' }), { b: '' });
  const many = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v']));
  store.tagStream({ name: 's' }, many);
  assert.throws(
    () => store.tagStream({ name: 's' }, { one: 'more' }),
    kvs('TagsPerResourceExceededLimitException'),
  );
  assert.equal(Object.keys(store.listTags({ name: 's' })).length, 50);
});

test('fragments: numbers, range listing on either timestamp, paging, lookup', (t) => {
  const clock = new ManualClock(Date.UTC(2024, 0, 1));
  const { store } = open(t, { clock });
  const cam = store.createStream({ name: 'cam', dataRetentionHours: 2 });
  const numbers: string[] = [];
  for (let i = 0; i < 5; i += 1) {
    clock.ms += 2000;
    const added = store.addFragment({
      stream: 'cam',
      producerTimestampMs: 1_000_000 + i * 2000,
      durationMs: 2000,
      sizeBytes: 100 + i,
      file: `f${i}.mkv`,
      codecPrivateRef: 'cpd-1',
    });
    assert.equal(added.persisted, true);
    assert.equal(added.serverTimestampMs, clock.ms);
    assert.match(added.number, /^[0-9]{47}$/);
    numbers.push(added.number);
  }
  assert.deepEqual([...numbers].sort(), numbers);
  const all = store.listFragments({ stream: 'cam', limit: 100 });
  assert.deepEqual(
    all.fragments.map((f) => f.number),
    numbers,
  );
  assert.equal(all.next, undefined);
  assert.equal(all.fragments[0]?.file, join(store.mediaDir(cam), 'f0.mkv'));
  assert.equal(all.fragments[0]?.codecPrivateRef, 'cpd-1');

  const page1 = store.listFragments({ stream: 'cam', limit: 2 });
  assert.equal(page1.next, numbers[1]);
  const page2 = store.listFragments({
    stream: 'cam',
    limit: 2,
    ...(page1.next ? { after: page1.next } : {}),
  });
  assert.deepEqual(
    page2.fragments.map((f) => f.number),
    numbers.slice(2, 4),
  );

  const byProducer = store.listFragments({
    stream: 'cam',
    limit: 10,
    range: { selector: 'PRODUCER_TIMESTAMP', startMs: 1_002_000, endMs: 1_006_000 },
  });
  assert.deepEqual(
    byProducer.fragments.map((f) => f.sizeBytes),
    [101, 102, 103],
  );
  const start = Date.UTC(2024, 0, 1);
  const byServer = store.listFragments({
    stream: 'cam',
    limit: 10,
    range: { selector: 'SERVER_TIMESTAMP', startMs: start + 9000, endMs: start + 20_000 },
  });
  assert.deepEqual(
    byServer.fragments.map((f) => f.sizeBytes),
    [104],
  );
  assert.equal(store.fragment('cam', numbers[2] ?? '')?.sizeBytes, 102);
  assert.equal(store.fragment('cam', '9'.repeat(47)), undefined);
  assert.throws(
    () =>
      store.addFragment({ stream: 'cam', producerTimestampMs: 0, durationMs: 0, sizeBytes: 0, file: '../x' }),
    kvs('InvalidArgumentException'),
  );
  assert.throws(
    () =>
      store.addFragment({ stream: 'nope', producerTimestampMs: 0, durationMs: 0, sizeBytes: 0, file: 'x' }),
    kvs('ResourceNotFoundException'),
  );
});

test('retention: purge drops fragments older than the retention with their files; retention 0 keeps none', (t) => {
  const clock = new ManualClock(Date.UTC(2024, 0, 1));
  const { store } = open(t, { clock });
  const cam = store.createStream({ name: 'cam', dataRetentionHours: 1 });
  const dir = store.mediaDir(cam);
  mkdirSync(dir, { recursive: true });
  const add = (file: string) => {
    writeFileSync(join(dir, file), 'x');
    return store.addFragment({
      stream: 'cam',
      producerTimestampMs: clock.ms,
      durationMs: 1000,
      sizeBytes: 1,
      file,
    });
  };
  add('old.mkv');
  clock.ms += 30 * 60_000;
  add('new.mkv');
  clock.ms += 31 * 60_000;
  assert.equal(store.purgeExpired(), 1);
  assert.equal(existsSync(join(dir, 'old.mkv')), false);
  assert.equal(existsSync(join(dir, 'new.mkv')), true);
  assert.deepEqual(
    store.listFragments({ stream: 'cam', limit: 10 }).fragments.map((f) => f.file),
    [join(dir, 'new.mkv')],
  );
  clock.ms += HOUR;
  assert.equal(store.purgeExpired(), 1);
  assert.equal(store.listFragments({ stream: 'cam', limit: 10 }).fragments.length, 0);

  store.createStream({ name: 'live', dataRetentionHours: 0 });
  const live = store.addFragment({
    stream: 'live',
    producerTimestampMs: 0,
    durationMs: 1,
    sizeBytes: 1,
    file: 'a',
  });
  assert.equal(live.persisted, false);
  assert.match(live.number, /^[0-9]{47}$/);
  assert.equal(store.listFragments({ stream: 'live', limit: 10 }).fragments.length, 0);

  add('gone-with-stream.mkv');
  store.deleteStream({ name: 'cam' });
  assert.equal(existsSync(dir), false);
});
