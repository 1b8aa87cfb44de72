import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzz } from '../../../test/helpers/fuzz.js';
import { buildAvcc } from '../h264/avcc.js';
import { toLengthPrefixed } from '../h264/nal.js';
import { readBoxes, type BoxInfo } from './boxes.js';
import { Mp4Error } from './errors.js';
import { buildInitSegment } from './init-segment.js';
import { NON_SYNC_SAMPLE_FLAGS, SYNC_SAMPLE_FLAGS, buildMediaSegment } from './media-segment.js';
import { buildMp4File, splitAtKeyframes } from './mp4-file.js';
import type { VideoSample, VideoTrack } from './sample.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const SPS = hex('6742c00dd90141fb011000000300100000030320f142a480');
const PPS = hex('68cb83cb20');
const AVCC = buildAvcc({ sps: [SPS], pps: [PPS] });
const TRACK: VideoTrack = { codecPrivate: AVCC, timescale: 1000 };
const isCode = (code: string) => (e: unknown) => e instanceof Mp4Error && e.code === code;

function sample(dts: number, keyframe: boolean, bytes = 3): VideoSample {
  const nal = new Uint8Array(bytes).fill(keyframe ? 0x65 : 0x41);
  return { data: toLengthPrefixed([nal]), dts, duration: 40, keyframe };
}

/**
 * Where the child boxes start inside each container's payload: stsd has a full-box header and an
 * entry count before its entries; avc1 has the 78 bytes of a visual sample entry before avcC.
 */
const CHILDREN_AT: Readonly<Record<string, number>> = {
  moov: 0,
  trak: 0,
  mdia: 0,
  minf: 0,
  dinf: 0,
  stbl: 0,
  mvex: 0,
  moof: 0,
  traf: 0,
  stsd: 8,
  avc1: 78,
};

/** The box at the end of a path of types, e.g. child(top, 'moov', 'trak', 'mdia'). */
function child(boxes: readonly BoxInfo[], ...path: string[]): BoxInfo {
  let level = boxes;
  let found: BoxInfo | undefined;
  for (const type of path) {
    found = level.find((b) => b.type === type);
    assert.ok(found, `no ${type} in ${level.map((b) => b.type).join(',')}`);
    const at = CHILDREN_AT[type];
    level = at === undefined ? [] : readBoxes(found.payload.subarray(at));
  }
  assert.ok(found);
  return found;
}
const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

test('init segment: ftyp + moov with the avc1/avcC sample entry, empty tables and trex', () => {
  const init = buildInitSegment(TRACK);
  const top = readBoxes(init);
  assert.deepEqual(
    top.map((b) => b.type),
    ['ftyp', 'moov'],
  );
  assert.equal(Buffer.from(child(top, 'ftyp').payload).toString('latin1'), 'iso6\0\0\0\0iso6isommp41avc1');
  const moov = readBoxes(child(top, 'moov').payload);
  assert.deepEqual(
    moov.map((b) => b.type),
    ['mvhd', 'trak', 'mvex'],
  );
  assert.deepEqual(
    readBoxes(child(moov, 'trak', 'mdia', 'minf', 'stbl').payload).map((b) => b.type),
    ['stsd', 'stts', 'stsc', 'stsz', 'stco'],
  );
  assert.equal(view(child(moov, 'trak', 'mdia', 'mdhd').payload).getUint32(12), 1000); // timescale
  assert.equal(Buffer.from(child(moov, 'trak', 'mdia', 'hdlr').payload.subarray(8, 12)).toString(), 'vide');
  // The size comes from the SPS when the track does not give one.
  const tkhd = view(child(moov, 'trak', 'tkhd').payload);
  assert.deepEqual([tkhd.getUint32(76) / 65536, tkhd.getUint32(80) / 65536], [320, 240]);
  const avc1 = child(moov, 'trak', 'mdia', 'minf', 'stbl', 'stsd', 'avc1');
  assert.deepEqual([view(avc1.payload).getUint16(24), view(avc1.payload).getUint16(26)], [320, 240]);
  assert.deepEqual(child(moov, 'trak', 'mdia', 'minf', 'stbl', 'stsd', 'avc1', 'avcC').payload, AVCC);
  assert.deepEqual(
    readBoxes(child(moov, 'mvex').payload).map((b) => b.type),
    ['trex'],
  );
  // Explicit size and a known duration: tkhd says so, and mehd appears.
  const sized = readBoxes(
    child(readBoxes(buildInitSegment({ ...TRACK, width: 640, height: 480 }, { duration: 3000 })), 'moov')
      .payload,
  );
  assert.equal(view(child(sized, 'trak', 'tkhd').payload).getUint32(76) / 65536, 640);
  assert.equal(view(child(sized, 'trak', 'tkhd').payload).getUint32(20), 3000);
  assert.equal(view(child(sized, 'mvex', 'mehd').payload).getBigUint64(4), 3000n);
});

test('media segment: styp, moof with tfdt and a trun whose data offset points at the first sample', () => {
  const samples = [sample(1_000_000, true, 5), sample(1_000_040, false), sample(1_000_080, false, 2)];
  const seg = buildMediaSegment(TRACK, samples, { sequenceNumber: 7 });
  const top = readBoxes(seg);
  assert.deepEqual(
    top.map((b) => b.type),
    ['styp', 'moof', 'mdat'],
  );
  const moof = child(top, 'moof');
  assert.equal(view(child(top, 'moof', 'mfhd').payload).getUint32(4), 7);
  const tfhd = child(top, 'moof', 'traf', 'tfhd').payload;
  assert.equal(Buffer.from(tfhd).toString('hex'), '00020000' + '00000001'); // default-base-is-moof, track 1
  const tfdt = child(top, 'moof', 'traf', 'tfdt').payload;
  assert.equal(tfdt[0], 1); // version 1: 64-bit
  assert.equal(view(tfdt).getBigUint64(4), 1_000_000n);

  const trun = view(child(top, 'moof', 'traf', 'trun').payload);
  assert.equal(trun.getUint32(0), 0x000701); // data-offset, duration, size, flags
  assert.equal(trun.getUint32(4), 3);
  const dataOffset = trun.getInt32(8);
  assert.equal(
    seg.subarray(moof.start + dataOffset, moof.start + dataOffset + 9).join(),
    samples[0]?.data.join(),
  );
  const rows = [0, 1, 2].map((i) => [0, 4, 8].map((o) => trun.getUint32(12 + 12 * i + o)));
  assert.deepEqual(rows, [
    [40, 9, SYNC_SAMPLE_FLAGS],
    [40, 7, NON_SYNC_SAMPLE_FLAGS],
    [40, 6, NON_SYNC_SAMPLE_FLAGS],
  ]);
  assert.equal(child(top, 'mdat').size, 8 + 9 + 7 + 6);
  assert.equal(
    readBoxes(buildMediaSegment(TRACK, samples, { sequenceNumber: 1, styp: false }))[0]?.type,
    'moof',
  );
});

test('trun durations follow the dts, so gaps survive; the last sample keeps its own duration', () => {
  const samples = [sample(0, true), sample(40, false), sample(200, false)];
  const trun = view(
    child(readBoxes(buildMediaSegment(TRACK, samples, { sequenceNumber: 1 })), 'moof', 'traf', 'trun')
      .payload,
  );
  assert.deepEqual(
    [0, 1, 2].map((i) => trun.getUint32(12 + 12 * i)),
    [40, 160, 40],
  );
});

test('bad samples and options are typed errors', () => {
  const ok = [sample(0, true), sample(40, false)];
  assert.throws(() => buildMediaSegment(TRACK, [], { sequenceNumber: 1 }), isCode('MP4_SAMPLES_INVALID'));
  assert.throws(() => buildMediaSegment(TRACK, ok, { sequenceNumber: 0 }), isCode('MP4_VALUE_INVALID'));
  assert.throws(
    () => buildMediaSegment(TRACK, [...ok].reverse(), { sequenceNumber: 1 }),
    isCode('MP4_SAMPLES_INVALID'),
  );
  assert.throws(
    () => buildMediaSegment(TRACK, ok, { sequenceNumber: 1, baseDts: 10 }),
    isCode('MP4_SAMPLES_INVALID'),
  );
  const annexB = { ...sample(0, true), data: hex('0000000165888400') };
  assert.throws(
    () => buildMediaSegment(TRACK, [annexB], { sequenceNumber: 1 }),
    isCode('MP4_SAMPLES_INVALID'),
  );
  assert.throws(
    () => buildInitSegment({ codecPrivate: hex('01'), timescale: 1000 }),
    isCode('MP4_CODEC_PRIVATE_INVALID'),
  );
  assert.throws(() => buildInitSegment({ ...TRACK, timescale: 0 }), isCode('MP4_VALUE_INVALID'));
  assert.throws(() => buildMp4File(TRACK, []), isCode('MP4_SAMPLES_INVALID'));
});

test('the clip file: init with its duration, then one fragment per GOP rebased to 0, numbered from 1', () => {
  const samples = [0, 1, 2, 3, 4, 5].map((i) => sample(5000 + i * 40, i % 3 === 0));
  assert.deepEqual(
    splitAtKeyframes(samples).map((g) => g.length),
    [3, 3],
  );
  const top = readBoxes(buildMp4File(TRACK, samples));
  assert.deepEqual(
    top.map((b) => b.type),
    ['ftyp', 'moov', 'moof', 'mdat', 'moof', 'mdat'],
  );
  assert.equal(view(child(top, 'moov', 'mvex', 'mehd').payload).getBigUint64(4), 240n);
  const moofs = top.filter((b) => b.type === 'moof').map((b) => readBoxes(b.payload));
  assert.deepEqual(
    moofs.map((m) => view(child(m, 'mfhd').payload).getUint32(4)),
    [1, 2],
  );
  assert.deepEqual(
    moofs.map((m) => view(child(m, 'traf', 'tfdt').payload).getBigUint64(4)),
    [0n, 120n],
  );
});

test(
  'property: any valid sample run gives a segment whose trun rows describe mdat exactly',
  { timeout: 10_000 },
  () => {
    const run = fc.array(
      fc.record({
        gap: fc.integer({ min: 1, max: 5000 }),
        size: fc.integer({ min: 1, max: 300 }),
        key: fc.boolean(),
      }),
      {
        minLength: 1,
        maxLength: 40,
      },
    );
    fc.assert(
      fc.property(run, fc.integer({ min: 0, max: 2 ** 40 }), fc.boolean(), (rows, start, withStyp) => {
        let dts = start;
        const samples = rows.map((r) => {
          const s = { ...sample(dts, r.key, r.size), duration: r.gap };
          dts += r.gap;
          return s;
        });
        const seg = buildMediaSegment(TRACK, samples, { sequenceNumber: 1, styp: withStyp });
        const top = readBoxes(seg);
        const moof = child(top, 'moof');
        const mdat = child(top, 'mdat');
        const trun = view(child(top, 'moof', 'traf', 'trun').payload);
        assert.equal(trun.getUint32(4), samples.length);
        assert.equal(moof.start + trun.getInt32(8), mdat.start + mdat.headerSize);
        let total = 0;
        samples.forEach((s, i) => {
          assert.equal(trun.getUint32(12 + 12 * i), s.duration);
          assert.equal(trun.getUint32(16 + 12 * i), s.data.length);
          total += s.data.length;
        });
        assert.equal(mdat.payload.length, total);
        assert.equal(view(child(top, 'moof', 'traf', 'tfdt').payload).getBigUint64(4), BigInt(start));
      }),
      fuzz(300),
    );
  },
);
