import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../config/load.js';
import { checkTopic, normalizeKeepalive } from './limits.js';
import { KeyedRateLimiter } from './rate-limit.js';
import { TokenBucket } from '../util/token-bucket.js';

const limits = loadConfig({ env: {} }).broker.limits;

test('topics: 256 bytes and 7 slashes like AWS IoT', () => {
  assert.equal(checkTopic('a/b/c/d/e/f/g/h', limits, 'topic'), undefined);
  assert.match(checkTopic('a/b/c/d/e/f/g/h/i', limits, 'topic') ?? '', /8 slashes; the limit is 7/);
  assert.equal(checkTopic('x'.repeat(256), limits, 'topic'), undefined);
  assert.match(checkTopic('é'.repeat(129), limits, 'topic filter') ?? '', /258 bytes/);
});

test('keep-alive: 0 and >1200 become 1200, 1-29 become 30', () => {
  assert.deepEqual(
    [0, 1, 29, 30, 60, 1200, 1201, 65535].map((k) => normalizeKeepalive(k, limits)),
    [1200, 30, 30, 30, 60, 1200, 1200, 1200],
  );
});

test('token buckets refill with the injected clock', () => {
  let now = 0;
  const clock = { now: () => new Date(now) };
  const bucket = new TokenBucket(2, clock);
  assert.deepEqual([bucket.take(), bucket.take(), bucket.take()], [true, true, false]);
  now += 500;
  assert.deepEqual([bucket.take(), bucket.take()], [true, false]);
  const perId = new KeyedRateLimiter(1, clock);
  assert.deepEqual([perId.take('a'), perId.take('a'), perId.take('b')], [true, false, true]);
  now += 1000;
  assert.equal(perId.take('a'), true);
});
