/** The event hub: ids, per-user delivery, the bounded replay buffer and publish listeners. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventHub, type BackendEvent, type UploadCompletedData } from './hub.js';

const clock = { now: () => new Date('2026-03-01T12:00:00.000Z') };
const data = (n: number): UploadCompletedData => ({
  uploadId: `up-${n}`,
  deviceId: 'cam-1',
  bucket: 'media',
  key: `devices/cam-1/up-${n}.jpg`,
  url: `https://s3.example/media/devices/cam-1/up-${n}.jpg`,
  size: n,
  sha256: 'a'.repeat(64),
  contentType: 'image/jpeg',
  capturedAt: '2026-03-01T11:59:00.000Z',
  completedAt: '2026-03-01T12:00:00.000Z',
});

test('ids start at the hub start time in microseconds and increase by one', () => {
  const hub = new EventHub(clock, 4);
  const a = hub.publish('u1', 'upload.completed', data(1));
  const b = hub.publish('u2', 'upload.completed', data(2));
  assert.equal(a.id, String(Date.parse('2026-03-01T12:00:00.000Z') * 1000));
  assert.equal(Number(b.id), Number(a.id) + 1);
  assert.deepEqual(a, { id: a.id, type: 'upload.completed', at: '2026-03-01T12:00:00.000Z', data: data(1) });
});

/** The upload id of an upload event, the device id of a presence event. */
const idOf = (e: BackendEvent): string => (e.type === 'upload.completed' ? e.data.uploadId : e.data.deviceId);

test('an event of no user (an unpaired device) goes to the operator only, not to publish listeners', () => {
  const hub = new EventHub(clock, 4);
  const got: string[] = [];
  const published: string[] = [];
  hub.subscribe({ userId: 'u1' }, (e) => got.push(`u1:${idOf(e)}`));
  hub.subscribe('all', (e, userId) => got.push(`all:${userId ?? '-'}:${idOf(e)}`));
  hub.onPublish((e, userId) => published.push(`${userId}:${idOf(e)}`));
  const presence = { state: 'online', since: clock.now().toISOString(), versionNumber: 0 } as const;
  const first = hub.publish(undefined, 'device.presence', { deviceId: 'cam-free', ...presence });
  hub.publish('u1', 'device.presence', { deviceId: 'cam-1', ...presence });
  assert.deepEqual(got, ['all:-:cam-free', 'u1:cam-1', 'all:u1:cam-1']);
  assert.deepEqual(published, ['u1:cam-1']);
  // Replay keeps the audience: the user does not get the operator-only event.
  const noop = () => undefined;
  const before = String(Number(first.id) - 1);
  assert.deepEqual(hub.subscribe({ userId: 'u1' }, noop, before).replay.map(idOf), ['cam-1']);
  assert.deepEqual(hub.subscribe('all', noop, before).replay.map(idOf), ['cam-free', 'cam-1']);
});

test('a user gets only their events; "all" gets everyone\'s; unsubscribe stops delivery', () => {
  const hub = new EventHub(clock, 4);
  const got: Record<string, string[]> = { u1: [], all: [] };
  const s1 = hub.subscribe({ userId: 'u1' }, (e) => got.u1?.push(idOf(e)));
  hub.subscribe('all', (e, userId) => got.all?.push(`${userId}:${idOf(e)}`));
  hub.publish('u1', 'upload.completed', data(1));
  hub.publish('u2', 'upload.completed', data(2));
  s1.unsubscribe();
  hub.publish('u1', 'upload.completed', data(3));
  assert.deepEqual(got, { u1: ['up-1'], all: ['u1:up-1', 'u2:up-2', 'u1:up-3'] });
});

test('replay: buffered events after Last-Event-ID, oldest first, only the last replayBuffer kept', () => {
  const hub = new EventHub(clock, 3);
  const events: BackendEvent[] = [];
  for (let n = 1; n <= 5; n++)
    events.push(hub.publish(n % 2 === 0 ? 'u2' : 'u1', 'upload.completed', data(n)));
  const ids = (s: { replay: readonly BackendEvent[] }) => s.replay.map(idOf);
  const noop = () => undefined;
  // Buffered: 3, 4, 5 (1 and 2 were overwritten).
  assert.deepEqual(ids(hub.subscribe('all', noop, events[0]?.id)), ['up-3', 'up-4', 'up-5']);
  assert.deepEqual(ids(hub.subscribe({ userId: 'u1' }, noop, events[2]?.id)), ['up-5']);
  assert.deepEqual(ids(hub.subscribe({ userId: 'u2' }, noop, events[2]?.id)), ['up-4']);
  assert.deepEqual(ids(hub.subscribe({ userId: 'u1' }, noop, events[4]?.id)), []);
  assert.deepEqual(ids(hub.subscribe({ userId: 'u1' }, noop)), [], 'no Last-Event-ID: no replay');
  for (const bad of ['abc', '-1', '1e3', '99999999999999999', ''])
    assert.deepEqual(ids(hub.subscribe('all', noop, bad)), [], `"${bad}" is not one of our ids`);
  const none = new EventHub(clock, 0);
  const first = none.publish('u1', 'upload.completed', data(1));
  assert.deepEqual(
    ids(none.subscribe('all', noop, String(Number(first.id) - 1))),
    [],
    'buffer 0 keeps nothing',
  );
});

test('onPublish sees every event; a throwing listener does not stop the others', () => {
  const hub = new EventHub(clock, 1);
  const seen: string[] = [];
  hub.subscribe({ userId: 'u1' }, () => {
    throw new Error('broken stream');
  });
  const detach = hub.onPublish((e, userId) => seen.push(`${userId}:${e.type}`));
  hub.publish('u1', 'upload.completed', data(1));
  detach();
  hub.publish('u1', 'upload.completed', data(2));
  assert.deepEqual(seen, ['u1:upload.completed']);
});
