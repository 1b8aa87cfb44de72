/** The ffmpeg source: an MKV stream (EBML magic first), one Cluster per second; clear coded failures. */
import assert from 'node:assert/strict';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { MkvClusterCounter } from './mkv-clusters.js';
import { ffmpegArguments, startVideoSource } from './source.js';

async function collect(source: ReturnType<typeof startVideoSource>, counter = new MkvClusterCounter()) {
  const chunks: Buffer[] = [];
  await pipeline(source.stream, counter, async (input: AsyncIterable<Buffer>) => {
    for await (const chunk of input) chunks.push(chunk);
  });
  return { bytes: Buffer.concat(chunks), clusters: counter.clusters };
}

test('startVideoSource: 2 s of test pattern as live MKV, one Cluster per second', async () => {
  const { bytes, clusters } = await collect(startVideoSource({ durationSeconds: 2, realtime: false }));
  assert.deepEqual([...bytes.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3]);
  assert.ok(bytes.includes(Buffer.from('V_MPEG4/ISO/AVC')));
  assert.equal(clusters, 2);
});

test('ffmpegArguments: -re only when realtime; a file is copied', () => {
  const live = ffmpegArguments({});
  assert.ok(live.includes('-re'));
  assert.ok(!live.includes('-t'));
  assert.deepEqual(live.slice(-5), ['-f', 'matroska', '-live', '1', 'pipe:1']);
  // Clusters at key frames only: no 32 KiB or time splits inside a GOP.
  assert.deepEqual(live.slice(live.indexOf('-cluster_size_limit'), live.indexOf('-cluster_size_limit') + 4), [
    '-cluster_size_limit',
    '50000000',
    '-cluster_time_limit',
    '2000',
  ]);
  const file = ffmpegArguments({ file: 'in.mkv', realtime: false, durationSeconds: 3 });
  assert.ok(!file.includes('-re'));
  assert.deepEqual(file.slice(file.indexOf('-i'), file.indexOf('-i') + 4), ['-i', 'in.mkv', '-t', '3']);
  assert.ok(file.includes('copy'));
});

test('startVideoSource: a missing ffmpeg is DEVICE_FFMPEG_MISSING', async () => {
  const source = startVideoSource({ ffmpegPath: '/nonexistent/ffmpeg', realtime: false, durationSeconds: 1 });
  await assert.rejects(collect(source), { code: 'DEVICE_FFMPEG_MISSING' });
});

test("startVideoSource: an unreadable file is DEVICE_SOURCE_FAILED with ffmpeg's message", async () => {
  const source = startVideoSource({ file: '/nonexistent/clip.mkv', realtime: false });
  await assert.rejects(collect(source), (err: Error) => {
    assert.equal((err as { code?: string }).code, 'DEVICE_SOURCE_FAILED');
    assert.match(err.message, /No such file/);
    return true;
  });
});

test('startVideoSource: stop() ends a live stream', async () => {
  const source = startVideoSource({ realtime: true });
  const counter = new MkvClusterCounter();
  const done = collect(source, counter);
  await new Promise<void>((resolve) => counter.once('cluster', () => resolve()));
  await source.stop();
  const { clusters } = await done;
  assert.ok(clusters >= 1);
});
