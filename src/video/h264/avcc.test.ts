import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAvcc, codecString, parseAvcc } from './avcc.js';
import { H264Error } from './errors.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const SPS = hex('6742c00dd90141fb011000000300100000030320f142a480');
const PPS = hex('68cb83cb20');
const HIGH_SPS = hex('6764001facd9405005bb0110000003001000000303c0f1831960');
const HIGH_PPS = hex('68ebe3cb22c0');

test('buildAvcc writes the byte layout of ISO/IEC 14496-15 §5.3.3.1 and parses back', () => {
  const record = buildAvcc({ sps: [SPS], pps: [PPS] });
  const expected = Buffer.concat([
    hex('0142c00d'), // version 1, profile 66, compat 0xc0, level 13
    hex('ff'), // reserved 111111 + lengthSizeMinusOne 3
    hex('e1'), // reserved 111 + one SPS
    hex('0018'),
    SPS,
    hex('01'), // one PPS
    hex('0005'),
    PPS,
  ]);
  assert.deepEqual(Buffer.from(record), expected);

  const parsed = parseAvcc(record);
  assert.deepEqual(
    [parsed.profile, parsed.profileCompatibility, parsed.level, parsed.lengthSize],
    [66, 0xc0, 13, 4],
  );
  assert.deepEqual(parsed.sps, [SPS]);
  assert.deepEqual(parsed.pps, [PPS]);
  assert.equal(parsed.extension.length, 0);
  assert.equal(codecString(record), 'avc1.42c00d');
});

test('high profile records carry the chroma/bit-depth extension, and round-trip', () => {
  const record = buildAvcc({ sps: [HIGH_SPS], pps: [HIGH_PPS], lengthSize: 2 });
  assert.equal(Buffer.from(record.subarray(-4)).toString('hex'), 'fdf8f800');
  const parsed = parseAvcc(record);
  assert.equal(parsed.lengthSize, 2);
  assert.equal(Buffer.from(parsed.extension).toString('hex'), 'fdf8f800');
  assert.deepEqual(buildAvcc({ sps: parsed.sps, pps: parsed.pps, lengthSize: parsed.lengthSize }), record);
  assert.equal(codecString(parsed), 'avc1.64001f');
});

test('malformed records and bad inputs are typed errors with stable codes', () => {
  const good = buildAvcc({ sps: [SPS], pps: [PPS] });
  const codeOf = (f: () => unknown): string => {
    try {
      f();
    } catch (err) {
      assert.ok(err instanceof H264Error, String(err));
      return err.code;
    }
    return 'none';
  };
  assert.equal(
    codeOf(() => parseAvcc(new Uint8Array())),
    'H264_TRUNCATED',
  );
  assert.equal(
    codeOf(() => parseAvcc(Uint8Array.from([2, ...good.subarray(1)]))),
    'H264_AVCC_INVALID',
  );
  assert.equal(
    codeOf(() => parseAvcc(good.subarray(0, 20))),
    'H264_TRUNCATED',
  );
  assert.equal(
    codeOf(() => parseAvcc(Uint8Array.from([...good.subarray(0, 4), 0xfe, ...good.subarray(5)]))),
    'H264_AVCC_INVALID',
  ); // length size 3
  const ppsAsSps = Uint8Array.from([...good.subarray(0, 6), 0, 5, ...PPS, 0]);
  assert.equal(
    codeOf(() => parseAvcc(ppsAsSps)),
    'H264_AVCC_INVALID',
  );
  assert.equal(
    codeOf(() => buildAvcc({ sps: [], pps: [PPS] })),
    'H264_VALUE_INVALID',
  );
  assert.equal(
    codeOf(() => buildAvcc({ sps: [SPS], pps: [] })),
    'H264_VALUE_INVALID',
  );
  assert.equal(
    codeOf(() => buildAvcc({ sps: [SPS], pps: [SPS] })),
    'H264_VALUE_INVALID',
  );
});
