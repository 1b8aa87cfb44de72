import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Id } from './ids.js';
import { MkvReader } from './reader.js';
import { AVCC, frameBytes, readPieces } from './testing.js';
import { concat } from './values.js';
import { encodeId, UNKNOWN_SIZE } from './vint.js';
import { mkvCluster, mkvHeader, type MkvFrameSpec } from './writer.js';

test('the header starts like a KVS producer stream: EBML header, unknown-size Segment, Info, Tracks', () => {
  const header = mkvHeader({ codecPrivate: AVCC, width: 1280, height: 720, uid: 42n });
  assert.deepEqual(header.subarray(0, 4), encodeId(Id.EBML));
  const seg = concat([encodeId(Id.Segment), UNKNOWN_SIZE]);
  const at = header.findIndex((_, i) => seg.every((b, j) => header[i + j] === b));
  assert.ok(at > 0);
  const reader = new MkvReader();
  assert.deepEqual(reader.push(header), [
    { type: 'ebmlHeader', docType: 'matroska', docTypeVersion: 2 },
    { type: 'segmentStart', size: null },
    { type: 'info', timecodeScale: 1_000_000, muxingApp: 'camlink', writingApp: 'camlink' },
    {
      type: 'tracks',
      tracks: [
        {
          number: 1,
          uid: 42n,
          type: 1,
          codecId: 'V_MPEG4/ISO/AVC',
          codecPrivate: AVCC,
          width: 1280,
          height: 720,
        },
      ],
    },
  ]);
  assert.equal(reader.pending, 0);
});

test('writer to reader round trip: clusters and frames come back unchanged', () => {
  const clusters: { timecode: number; frames: MkvFrameSpec[] }[] = [];
  for (let c = 0; c < 4; c++) {
    const frames: MkvFrameSpec[] = [];
    for (let f = 0; f < 25; f++) {
      frames.push({
        data: frameBytes(50 + c * 1000 + f * 37, c * 25 + f),
        relativeTimecode: f * 40,
        keyframe: f === 0,
      });
    }
    clusters.push({ timecode: c * 1000, frames });
  }
  const doc = concat([
    mkvHeader({ codecPrivate: AVCC, width: 320, height: 240 }),
    ...clusters.map((c) => mkvCluster(c.timecode, c.frames)),
  ]);
  const events = readPieces(doc, [7, 100, 5000, 5001, 30000]);
  const got: { timecode: number; frames: MkvFrameSpec[] }[] = [];
  for (const e of events) {
    if (e.type === 'clusterStart') got.push({ timecode: e.timecode, frames: [] });
    if (e.type === 'frame') {
      const current = got.at(-1);
      assert.ok(current);
      assert.equal(e.track, 1);
      current.frames.push({
        data: e.data,
        relativeTimecode: e.timecode - current.timecode,
        keyframe: e.keyframe,
      });
    }
  }
  assert.deepEqual(got, clusters);
  assert.equal(events.at(-1)?.type, 'segmentEnd');
});

test('the writer refuses values it cannot encode', () => {
  const frame = (relativeTimecode: number): MkvFrameSpec => ({
    data: frameBytes(1, 0),
    relativeTimecode,
    keyframe: true,
  });
  assert.throws(() => mkvCluster(0, [frame(32768)]), { code: 'MKV_ARGUMENT' });
  assert.throws(() => mkvCluster(0, [frame(-32769)]), { code: 'MKV_ARGUMENT' });
  assert.throws(() => mkvCluster(-1, []), { code: 'MKV_ARGUMENT' });
  assert.throws(() => mkvHeader({ codecPrivate: AVCC, width: 0, height: 1 }), { code: 'MKV_ARGUMENT' });
  assert.throws(() => mkvHeader({ codecPrivate: AVCC, width: 1, height: 1, segmentUid: new Uint8Array(3) }), {
    code: 'MKV_ARGUMENT',
  });
});
