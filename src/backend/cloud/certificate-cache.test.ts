/** The certificate-status cache: TTL on an injected clock, size bound, shared lookups, no cached failures. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CertificateStatusCache } from './certificate-cache.js';
import type { CertificateStatus } from './types.js';

function directory() {
  const calls: string[] = [];
  let status = 'ACTIVE';
  let fail = false;
  return {
    calls,
    set(next: string) {
      status = next;
    },
    failNext() {
      fail = true;
    },
    certificateStatus(deviceId: string): Promise<CertificateStatus | null> {
      calls.push(deviceId);
      if (fail) {
        fail = false;
        return Promise.reject(new Error('throttled'));
      }
      return Promise.resolve({ certificateId: `c-${deviceId}`, status, expiresAt: null });
    },
  };
}

test('answers from the cache within the TTL, asks again after it (a revocation shows)', async () => {
  let now = 0;
  const dir = directory();
  const cache = new CertificateStatusCache(
    dir,
    { now: () => new Date(now) },
    {
      ttlMs: 1_000,
      maxEntries: 10,
      concurrency: 2,
    },
  );
  assert.equal((await cache.lookup('cam-1', undefined))?.status, 'ACTIVE');
  dir.set('REVOKED');
  now = 999;
  assert.equal((await cache.lookup('cam-1', undefined))?.status, 'ACTIVE');
  now = 1_000;
  assert.equal((await cache.lookup('cam-1', undefined))?.status, 'REVOKED');
  assert.deepEqual(dir.calls, ['cam-1', 'cam-1']);
});

test('concurrent lookups share one request; failures are not cached; the size is bounded', async () => {
  const dir = directory();
  const cache = new CertificateStatusCache(
    dir,
    { now: () => new Date(0) },
    {
      ttlMs: 60_000,
      maxEntries: 3,
      concurrency: 1,
    },
  );
  const [a, b] = await Promise.all([cache.lookup('cam-1', undefined), cache.lookup('cam-1', undefined)]);
  assert.deepEqual(a, b);
  assert.deepEqual(dir.calls, ['cam-1']);
  dir.failNext();
  await assert.rejects(cache.lookup('cam-2', undefined), /throttled/);
  assert.equal((await cache.lookup('cam-2', undefined))?.status, 'ACTIVE');
  await Promise.all(['cam-3', 'cam-4', 'cam-5'].map((id) => cache.lookup(id, undefined)));
  assert.equal(cache.size, 3);
  // cam-1 was pushed out: asked again.
  await cache.lookup('cam-1', undefined);
  assert.equal(dir.calls.filter((c) => c === 'cam-1').length, 2);
});
