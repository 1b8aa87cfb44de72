import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecentRequests } from './recent-requests.js';

function recent(options: { ttlMs?: number; maxEntries?: number; maxPerDevice?: number } = {}) {
  const clock = { now: 0 };
  const requests = new RecentRequests({
    ttlMs: options.ttlMs ?? 60_000,
    maxEntries: options.maxEntries ?? 100,
    maxPerDevice: options.maxPerDevice ?? 4,
    now: () => clock.now,
  });
  return { clock, requests };
}

test('an entry is found by device and token until its TTL ends', () => {
  const { clock, requests } = recent();
  requests.add('cam-1', 'tok', '{}');
  assert.ok(requests.get('cam-1', 'tok'));
  assert.equal(requests.get('cam-2', 'tok'), undefined, 'per device');
  clock.now = 59_999;
  assert.ok(requests.get('cam-1', 'tok'));
  clock.now = 60_000;
  assert.equal(requests.get('cam-1', 'tok'), undefined);
  assert.equal(requests.size, 0);
});

test('bounded per device and in all: the oldest go first', () => {
  const { requests } = recent({ maxEntries: 6, maxPerDevice: 2 });
  for (const token of ['a', 'b', 'c']) requests.add('cam-1', token, '{}');
  assert.equal(requests.get('cam-1', 'a'), undefined, 'the device kept its two latest');
  assert.ok(requests.get('cam-1', 'b'));
  assert.ok(requests.get('cam-1', 'c'));
  for (const device of ['cam-2', 'cam-3', 'cam-4']) {
    requests.add(device, 'a', '{}');
    requests.add(device, 'b', '{}');
  }
  assert.equal(requests.size, 6);
  assert.equal(requests.get('cam-1', 'b'), undefined, 'the oldest overall made room');
  assert.ok(requests.get('cam-4', 'b'));
});
