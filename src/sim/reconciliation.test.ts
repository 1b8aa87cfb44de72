/** The sim's reconciliation tracker: events, the recheck of uploads whose event was missed, the final check. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UploadView } from '../app/backend-client.js';
import { ReconciliationTracker, type UploadLookup } from './reconciliation.js';

function lookup(statuses: Record<string, string>): UploadLookup & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    getUpload(id: string) {
      asked.push(id);
      const status = statuses[id];
      if (status === undefined) return Promise.reject(new Error('no such upload'));
      return Promise.resolve({ upload: { uploadId: id, status } as unknown as UploadView });
    },
  };
}

test('recheck counts done uploads outstanding long enough, without declaring anything lost', async () => {
  let now = 0;
  const tracker = new ReconciliationTracker(() => now);
  tracker.expect('old-done');
  tracker.expect('old-pending');
  now = 20_000;
  tracker.expect('young-done');
  now = 25_000;
  const backend = lookup({ 'old-done': 'done', 'old-pending': 'pending', 'young-done': 'done' });
  const settled = tracker.settled(60_000);
  await tracker.recheck(backend, 10_000);
  assert.deepEqual(backend.asked.sort(), ['old-done', 'old-pending']);
  assert.equal(tracker.reconciled, 1);
  assert.equal(tracker.outstanding, 2);
  assert.equal(tracker.latenciesMs.length, 0, 'a missed event has no latency');
  // The event of the young one arrives; the old pending one is done by the final check.
  tracker.completed('young-done');
  assert.equal(tracker.latenciesMs.length, 1);
  const lost = await tracker.finalCheck(lookup({ 'old-pending': 'done' }));
  assert.deepEqual(lost, []);
  assert.equal(tracker.reconciled, 3);
  // settled() resolved once nothing was outstanding (the recheck or the event emptied it).
  await settled;
});

test('the final check declares what is not done lost', async () => {
  const tracker = new ReconciliationTracker(() => 0);
  tracker.expect('a');
  tracker.expect('b');
  const lost = await tracker.finalCheck(lookup({ a: 'done', b: 'pending' }));
  assert.deepEqual(lost, ['b']);
  assert.equal(tracker.reconciled, 1);
  assert.equal(tracker.outstanding, 0);
});

test('recheck resolves a pending settled() when it empties the tracker', async () => {
  let now = 0;
  const tracker = new ReconciliationTracker(() => now);
  tracker.expect('x');
  now = 11_000;
  const settled = tracker.settled(600_000);
  await tracker.recheck(lookup({ x: 'done' }), 10_000);
  await settled;
  assert.equal(tracker.outstanding, 0);
});
