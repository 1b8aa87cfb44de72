/** The Cluster counter: sized and unknown-size elements, headers split across chunks, non-MKV refused. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { MkvClusterCounter } from './mkv-clusters.js';

/** EBML element: 4-byte or 1-byte id, 1-byte size (or unknown 0xff). */
function el(id: number[], body: Buffer | null, unknownSize = false): Buffer {
  const size = unknownSize || body === null ? [0xff] : [0x80 | body.length];
  return Buffer.concat([Buffer.from(id), Buffer.from(size), body ?? Buffer.alloc(0)]);
}

const CLUSTER = [0x1f, 0x43, 0xb6, 0x75];
const SEGMENT = [0x18, 0x53, 0x80, 0x67];
const EBML = [0x1a, 0x45, 0xdf, 0xa3];
const TIMECODE = [0xe7];
const SIMPLE_BLOCK = [0xa3];

function sample(): Buffer {
  // A payload that contains the Cluster id inside a SimpleBlock: skipped, not counted.
  const frame = el(SIMPLE_BLOCK, Buffer.from([0x81, 0, 0, 0x80, ...CLUSTER, 1, 2, 3]));
  return Buffer.concat([
    el(EBML, Buffer.from([0x42, 0x82, 0x88, ...Buffer.from('matroska')])),
    el(SEGMENT, null, true),
    el([0x15, 0x49, 0xa9, 0x66], Buffer.from([0x2a, 0xd7, 0xb1, 0x83, 0x0f, 0x42, 0x40])),
    el(CLUSTER, Buffer.concat([el(TIMECODE, Buffer.from([0])), frame])),
    el(CLUSTER, null, true),
    el(TIMECODE, Buffer.from([0x03, 0xe8])),
    frame,
    el(CLUSTER, Buffer.concat([el(TIMECODE, Buffer.from([0x07, 0xd0])), frame])),
  ]);
}

async function count(chunks: Buffer[]): Promise<{ clusters: number; bytes: number; out: Buffer }> {
  const counter = new MkvClusterCounter();
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), counter, async (input: AsyncIterable<Buffer>) => {
    for await (const d of input) out.push(d);
  });
  return { clusters: counter.clusters, bytes: counter.bytes, out: Buffer.concat(out) };
}

test('MkvClusterCounter: counts sized and unknown-size Clusters, passes bytes through', async () => {
  const bytes = sample();
  const whole = await count([bytes]);
  assert.equal(whole.clusters, 3);
  assert.equal(whole.bytes, bytes.length);
  assert.deepEqual(whole.out, bytes);
  const single = await count([...bytes].map((b) => Buffer.from([b])));
  assert.equal(single.clusters, 3);
});

test('MkvClusterCounter: a stream that is not MKV fails', async () => {
  await assert.rejects(count([Buffer.from([0x00, 0x01, 0x02])]), { code: 'DEVICE_SOURCE_FAILED' });
});
