import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzz } from '../../../test/helpers/fuzz.js';
import { MkvError } from './errors.js';
import type { MkvEvent } from './events.js';
import { Id } from './ids.js';
import { DEFAULT_MKV_LIMITS } from './limits.js';
import { MkvReader } from './reader.js';
import { AVCC, frameBytes, readByteByByte, readPieces, sampleDocument } from './testing.js';
import { concat, element, master, stringElement, uintElement } from './values.js';
import { encodeId, encodeSize, UNKNOWN_SIZE } from './vint.js';
import { mkvCluster, mkvHeader } from './writer.js';

const hex = (s: string): Uint8Array => Uint8Array.from(s.trim().split(/\s+/), (h) => parseInt(h, 16));
const ascii = (s: string): string => [...s].map((c) => c.charCodeAt(0).toString(16)).join(' ');

/** A document written out byte by byte: unknown-size Segment and Cluster, a sized Cluster with a BlockGroup. */
const HAND_BUILT = hex(`
  1A 45 DF A3 8F  42 82 88 ${ascii('matroska')}  42 87 81 02
  18 53 80 67 01 FF FF FF FF FF FF FF
    15 49 A9 66 87  2A D7 B1 83 0F 42 40
    16 54 AE 6B A6  AE A4
      D7 81 01  83 81 01  86 8F ${ascii('V_MPEG4/ISO/AVC')}  63 A2 82 01 64  E0 86 B0 81 10 BA 81 08
    1F 43 B6 75 FF
      E7 81 0A
      A3 86 81 00 00 80 AA BB
      EC 82 00 00
      A3 85 81 FF FE 00 CC
    1F 43 B6 75 8F
      E7 81 14
      A0 8A  A1 85 81 00 05 00 DD  FB 81 FE
`);

test('a hand-built document decodes to the expected events', () => {
  assert.deepEqual(readPieces(HAND_BUILT), [
    { type: 'ebmlHeader', docType: 'matroska', docTypeVersion: 2 },
    { type: 'segmentStart', size: null },
    { type: 'info', timecodeScale: 1_000_000 },
    {
      type: 'tracks',
      tracks: [
        {
          number: 1,
          uid: 0n,
          type: 1,
          codecId: 'V_MPEG4/ISO/AVC',
          codecPrivate: hex('01 64'),
          width: 16,
          height: 8,
        },
      ],
    },
    { type: 'clusterStart', timecode: 10 },
    { type: 'frame', track: 1, timecode: 10, keyframe: true, data: hex('AA BB') },
    { type: 'frame', track: 1, timecode: 8, keyframe: false, data: hex('CC') },
    { type: 'clusterEnd' },
    { type: 'clusterStart', timecode: 20 },
    { type: 'frame', track: 1, timecode: 25, keyframe: false, data: hex('DD') },
    { type: 'clusterEnd' },
    { type: 'segmentEnd' },
  ]);
});

test('the same events whether bytes come whole, one at a time, or cut anywhere', () => {
  for (const doc of [HAND_BUILT, sampleDocument()]) {
    const whole = readPieces(doc);
    assert.deepEqual(readByteByByte(doc), whole);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: doc.length }), { maxLength: 40 }), (cuts) => {
        assert.deepEqual(readPieces(doc, cuts), whole);
      }),
      fuzz(200),
    );
  }
});

test('events arrive as soon as their bytes do; pending stays within one header plus one element', () => {
  const doc = sampleDocument();
  const reader = new MkvReader();
  const types: string[] = [];
  let maxPending = 0;
  for (let i = 0; i < doc.length; i++) {
    for (const e of reader.push(doc.subarray(i, i + 1))) types.push(e.type);
    maxPending = Math.max(maxPending, reader.pending);
  }
  // The last Cluster has unknown size: only end() can close it.
  assert.equal(types.at(-1), 'frame');
  assert.deepEqual(
    reader.end().map((e) => e.type),
    ['clusterEnd', 'segmentEnd'],
  );
  assert.ok(maxPending <= 12 + 200, `pending reached ${maxPending}`);
});

test('sized Segment: segmentEnd without end(), and Void/CRC-32 at the top level after it', () => {
  const header = mkvHeader({ codecPrivate: AVCC, width: 2, height: 2 });
  // Re-wrap the writer's unknown-size Segment with a known size.
  const segStart = header.indexOf(0x18);
  // The Cluster has unknown size: it ends with the sized Segment.
  const body = concat([
    header.subarray(segStart + 12),
    mkvCluster(5, [{ data: hex('01'), relativeTimecode: 0, keyframe: true }]),
  ]);
  const doc = concat([
    header.subarray(0, segStart),
    encodeId(Id.Segment),
    encodeSize(body.length),
    body,
    element(Id.Void, new Uint8Array(3)),
    element(Id.CRC32, new Uint8Array(4)),
  ]);
  const reader = new MkvReader();
  const events = reader.push(doc);
  assert.deepEqual(
    events.map((e) => e.type),
    ['ebmlHeader', 'segmentStart', 'info', 'tracks', 'clusterStart', 'frame', 'clusterEnd', 'segmentEnd'],
  );
  assert.deepEqual(reader.end(), []);
});

test('an unknown-size Cluster ends at Tags, Cues, the next Cluster, or the end of the stream', () => {
  const types = readPieces(sampleDocument()).map((e) => e.type);
  assert.deepEqual(types, [
    'ebmlHeader',
    'segmentStart',
    'info',
    'tracks',
    ...['clusterStart', 'frame', 'frame', 'clusterEnd'],
    ...['clusterStart', 'frame', 'frame', 'clusterEnd'],
    ...['clusterStart', 'frame', 'clusterEnd'],
    'tags',
    ...['clusterStart', 'frame', 'clusterEnd'],
    'segmentEnd',
  ]);
  const tags = readPieces(sampleDocument()).find((e) => e.type === 'tags');
  assert.deepEqual(tags, {
    type: 'tags',
    tags: [
      { name: 'AWS_KINESISVIDEO_EVENT', value: 'motion' },
      { name: 'NESTED', value: hex('07') },
    ],
  });
});

// ---- errors ----

const header = mkvHeader({ codecPrivate: AVCC, width: 320, height: 240 });

function failsWith(
  bytes: Uint8Array,
  code: string,
  pattern?: RegExp,
  limits = DEFAULT_MKV_LIMITS,
): MkvReader {
  const reader = new MkvReader(limits);
  assert.throws(
    () => {
      reader.push(bytes);
      reader.end();
    },
    (err: unknown) =>
      err instanceof MkvError && err.code === code && (pattern === undefined || pattern.test(err.message)),
  );
  return reader;
}

test('an oversized frame is MKV_LIMIT as soon as its header arrives, before any of it is buffered', () => {
  const limits = { ...DEFAULT_MKV_LIMITS, maxFrameBytes: 1000 };
  const ok = concat([
    header,
    mkvCluster(0, [{ data: frameBytes(1000, 0), relativeTimecode: 0, keyframe: true }]),
  ]);
  assert.equal(readPieces(ok, [], limits).filter((e) => e.type === 'frame').length, 1);
  const big = concat([
    header,
    mkvCluster(0, [{ data: frameBytes(2000, 0), relativeTimecode: 0, keyframe: true }]),
  ]);
  const headerOnly = big.subarray(0, big.length - 2000 + 8); // the block's element header and a few bytes
  const reader = failsWith(headerOnly, 'MKV_LIMIT', /exceeds the 1011-byte limit/, limits);
  assert.throws(() => reader.push(hex('00')), { code: 'MKV_CLOSED' });
  // A declared 1 GiB SimpleBlock fails on its 12-byte header alone.
  const huge = concat([
    header,
    encodeId(Id.Cluster),
    UNKNOWN_SIZE,
    uintElement(Id.Timecode, 0),
    hex('A3 08 40 00 00 00'),
  ]);
  failsWith(huge, 'MKV_LIMIT');
});

test('element, track, depth and string limits', () => {
  const limits = { ...DEFAULT_MKV_LIMITS, maxElementBytes: 40 };
  failsWith(header, 'MKV_LIMIT', /Tracks|0x1654AE6B/, limits);
  const entry = (n: number): Uint8Array =>
    master(Id.TrackEntry, [
      uintElement(Id.TrackNumber, n),
      uintElement(Id.TrackType, 1),
      stringElement(Id.CodecID, 'V_X'),
    ]);
  const ebmlAndSegment = header.subarray(0, header.indexOf(0x18) + 12);
  failsWith(
    concat([ebmlAndSegment, master(Id.Tracks, [entry(1), entry(2), entry(3), entry(4)])]),
    'MKV_LIMIT',
    /3 tracks/,
  );
  assert.equal(
    readPieces(concat([ebmlAndSegment, master(Id.Tracks, [entry(1), entry(2), entry(3)])])).filter(
      (e) => e.type === 'tracks',
    ).length,
    1,
  );
  failsWith(concat([ebmlAndSegment, master(Id.Tracks, [entry(1), entry(1)])]), 'MKV_INVALID', /twice/);
  let simple = master(Id.SimpleTag, [stringElement(Id.TagName, 'x')]);
  for (let i = 0; i < 10; i++) simple = master(Id.SimpleTag, [stringElement(Id.TagName, 'x'), simple]);
  failsWith(concat([header, master(Id.Tags, [master(Id.Tag, [simple])])]), 'MKV_LIMIT', /nested/);
  failsWith(concat([header, mkvCluster(0, [])]), 'MKV_LIMIT', /nested/, {
    ...DEFAULT_MKV_LIMITS,
    maxDepth: 1,
  });
  const longName = master(Id.Tags, [
    master(Id.Tag, [master(Id.SimpleTag, [stringElement(Id.TagName, 'n'.repeat(100))])]),
  ]);
  failsWith(concat([header, longName]), 'MKV_LIMIT', /string/, { ...DEFAULT_MKV_LIMITS, maxStringBytes: 99 });
});

test('structure errors are MKV_INVALID, MKV_UNSUPPORTED or MKV_TRUNCATED', () => {
  const ebml = header.subarray(0, header.indexOf(0x18));
  const segment = header.subarray(header.indexOf(0x18));
  const cluster = mkvCluster(0, [{ data: hex('01'), relativeTimecode: 0, keyframe: true }]);
  failsWith(concat([element(Id.Void, hex('00')), header]), 'MKV_INVALID', /EBML header/);
  failsWith(hex('00 01 02 03'), 'MKV_INVALID');
  failsWith(concat([header, cluster, segment]), 'MKV_INVALID', /more than one Segment/);
  failsWith(concat([header, cluster, ebml]), 'MKV_INVALID', /second EBML header/);
  failsWith(concat([ebml, cluster]), 'MKV_INVALID', /only a Segment/);
  failsWith(concat([ebml, encodeId(Id.Segment), UNKNOWN_SIZE, cluster]), 'MKV_INVALID', /before Tracks/);
  failsWith(
    concat([header, encodeId(Id.Cluster), UNKNOWN_SIZE, hex('A3 84 81 00 00 80')]),
    'MKV_INVALID',
    /before the Cluster Timecode/,
  );
  failsWith(
    concat([header, mkvCluster(0, []).subarray(0, 12), hex('1F 43 B6 75 FF')]),
    'MKV_INVALID',
    /without a Timecode/,
  );
  failsWith(
    concat([
      header,
      encodeId(Id.Cluster),
      UNKNOWN_SIZE,
      uintElement(Id.Timecode, 0),
      hex('A3 84 82 00 00 80'),
    ]),
    'MKV_INVALID',
    /track 2/,
  );
  failsWith(
    concat([
      header,
      encodeId(Id.Cluster),
      UNKNOWN_SIZE,
      uintElement(Id.Timecode, 0),
      hex('A3 85 81 00 00 82 00'),
    ]),
    'MKV_UNSUPPORTED',
    /laced/,
  );
  failsWith(concat([header, encodeId(Id.Info), hex('FF')]), 'MKV_INVALID', /unknown size/);
  failsWith(concat([header, hex('1F 43 B6 75 84  E7 81 00  EC 82 00 00')]), 'MKV_INVALID', /overruns/);
  failsWith(
    concat([header, hex('1F 43 B6 75 88  E7 81 00  1F 43 B6 75 80')]),
    'MKV_INVALID',
    /sized Cluster/,
  );
  failsWith(
    concat([header, encodeId(Id.Cluster), UNKNOWN_SIZE, uintElement(Id.Timecode, 0), hex('A0 83 FB 81 00')]),
    'MKV_INVALID',
    /without a Block/,
  );
  failsWith(master(Id.EBML, [stringElement(Id.DocType, 'mp4')]), 'MKV_UNSUPPORTED', /DocType/);
  failsWith(master(Id.EBML, [uintElement(Id.DocTypeVersion, 2)]), 'MKV_INVALID', /DocType/);
  failsWith(
    concat([master(Id.EBML, [stringElement(Id.DocType, 'matroska'), uintElement(Id.DocTypeReadVersion, 5)])]),
    'MKV_UNSUPPORTED',
  );
  // Truncation: mid-element, inside a sized Cluster, before any Segment.
  failsWith(concat([header, cluster]).subarray(0, header.length + cluster.length - 1), 'MKV_TRUNCATED');
  failsWith(concat([header, hex('1F 43 B6 75 88  E7 81 00')]), 'MKV_TRUNCATED', /sized/);
  failsWith(ebml, 'MKV_TRUNCATED', /before its Segment/);
  failsWith(new Uint8Array(0), 'MKV_TRUNCATED');
});

test('a failed or ended reader refuses more input', () => {
  const reader = new MkvReader();
  reader.push(header);
  reader.end();
  assert.throws(() => reader.push(header), { code: 'MKV_CLOSED' });
  assert.throws(() => reader.end(), { code: 'MKV_CLOSED' });
});

test('frames report absolute timecodes from the Cluster timecode plus the signed offset', () => {
  const doc = concat([
    header,
    mkvCluster(1_000_000, [
      { data: hex('01'), relativeTimecode: -32768, keyframe: true },
      { data: hex('02'), relativeTimecode: 32767, keyframe: false },
    ]),
  ]);
  const frames = readPieces(doc).filter((e): e is Extract<MkvEvent, { type: 'frame' }> => e.type === 'frame');
  assert.deepEqual(
    frames.map((f) => [f.timecode, f.keyframe]),
    [
      [1_000_000 - 32768, true],
      [1_000_000 + 32767, false],
    ],
  );
});
