import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReconciliationTracker } from './reconciliation.js';
import { percentile, processMemory, summaryLine } from './stats.js';

test('percentile is nearest-rank over unsorted values', () => {
  const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
  assert.equal(percentile(values, 50), 5);
  assert.equal(percentile(values, 99), 10);
  assert.equal(percentile(values, 10), 1);
  assert.equal(percentile([42], 99), 42);
  assert.equal(percentile([], 50), undefined);
  assert.throws(() => percentile(values, 0), RangeError);
});

test('processMemory reads VmRSS and VmHWM of a live process', async () => {
  const own = await processMemory(process.pid);
  assert.ok(own !== undefined && own.rss > 1024 * 1024 && own.peak >= own.rss);
  assert.equal(await processMemory(2 ** 22 + 12345), undefined);
});

test('the summary line has every figure, lost last', () => {
  const line = summaryLine({
    cameras: 3,
    connected: 2,
    connectsPerSecond: 1.25,
    uploads: 7,
    uploadsPerSecond: 3.5,
    failed: 1,
    reconciled: 6,
    thumbnails: 5,
    p50Ms: 12.4,
    p99Ms: undefined,
    brokerRssBytes: 300 * 1024 * 1024,
    lost: 1,
    interrupted: true,
  });
  assert.equal(
    line,
    'sim cameras=3 connected=2 connects/s=1.3 uploads=7 uploads/s=3.5 failed=1 reconciled=6 thumbnails=5 p50=12ms p99=- broker_rss=300MB interrupted=1 lost=1',
  );
});

test('the tracker measures notification -> completion on its clock, and keeps early completions', async () => {
  let now = 1_000;
  const tracker = new ReconciliationTracker(() => now);
  tracker.expect('upl_a');
  tracker.expect('upl_b');
  now = 1_250;
  tracker.completed('upl_a');
  tracker.completed('upl_c'); // before its expect(): a race the sim must not count as lost
  tracker.expect('upl_c');
  assert.deepEqual(tracker.latenciesMs, [250, 0]);
  assert.equal(tracker.reconciled, 2);
  assert.equal(tracker.outstanding, 1);
  const settled = tracker.settled(60_000);
  tracker.completed('upl_b');
  await settled; // resolves on the last completion, not on the 60 s timer
  assert.equal(tracker.outstanding, 0);
  assert.equal(tracker.reconciled, 3);
});
