import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldWriter, box, boxHeader, fullBox, readBoxes } from './boxes.js';
import { Mp4Error } from './errors.js';

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const isCode = (code: string) => (e: unknown) => e instanceof Mp4Error && e.code === code;

test('box and fullBox: size, type, version and flags, then the payload', () => {
  assert.equal(hexOf(box('free')), '0000000866726565');
  assert.equal(hexOf(box('mdat', Uint8Array.from([1, 2]), Uint8Array.from([3]))), '0000000b6d646174010203');
  // mfhd with sequence_number 7: 16 bytes, version 0, flags 0.
  assert.equal(
    hexOf(fullBox('mfhd', 0, 0, new FieldWriter().u32(7).toBytes())),
    '000000106d66686400000000' + '00000007',
  );
  assert.equal(
    hexOf(fullBox('tfhd', 0, 0x020000, new FieldWriter().u32(1).toBytes())),
    '0000001074666864000200000' + '0000001',
  );
  assert.equal(
    hexOf(fullBox('tfdt', 1, 0, new FieldWriter().u64(2 ** 40 + 5).toBytes())),
    '00000014746664740100000000000100' + '00000005',
  );
});

test('a payload past 4 GiB gets a 64-bit largesize header', () => {
  assert.equal(hexOf(boxHeader('mdat', 0xffffffff - 8)), 'ffffffff6d646174');
  assert.equal(hexOf(boxHeader('mdat', 0xffffffff)), '000000016d646174' + '000000010000000f');
});

test('FieldWriter: big-endian fields, and values out of range are refused', () => {
  const w = new FieldWriter()
    .u8(1)
    .u16(0x0203)
    .u24(0x040506)
    .u32(0x0708090a)
    .i32(-2)
    .fixed16(320)
    .fourcc('avc1');
  assert.equal(
    hexOf(w.toBytes()),
    '01' + '0203' + '040506' + '0708090a' + 'fffffffe' + '01400000' + '61766331',
  );
  assert.equal(w.length, 22);
  assert.throws(() => new FieldWriter().u8(256), isCode('MP4_VALUE_INVALID'));
  assert.throws(() => new FieldWriter().u32(-1), isCode('MP4_VALUE_INVALID'));
  assert.throws(() => new FieldWriter().u32(1.5), isCode('MP4_VALUE_INVALID'));
  assert.throws(() => new FieldWriter().i32(2 ** 31), isCode('MP4_VALUE_INVALID'));
  assert.throws(() => new FieldWriter().u64(2 ** 53), isCode('MP4_VALUE_INVALID'));
  assert.throws(() => box('toolong'), isCode('MP4_VALUE_INVALID'));
});

test('readBoxes walks siblings, and refuses sizes that overrun', () => {
  const two = Uint8Array.from([...box('free'), ...box('skip', Uint8Array.from([9]))]);
  assert.deepEqual(
    readBoxes(two).map((b) => [b.type, b.start, b.size, hexOf(b.payload)]),
    [
      ['free', 0, 8, ''],
      ['skip', 8, 9, '09'],
    ],
  );
  assert.throws(() => readBoxes(two.subarray(0, 12)), isCode('MP4_TRUNCATED'));
  assert.throws(
    () => readBoxes(Uint8Array.from([0, 0, 0, 4, 0x66, 0x72, 0x65, 0x65])),
    isCode('MP4_TRUNCATED'),
  );
  assert.equal(readBoxes(Uint8Array.from([0, 0, 0, 0, 0x6d, 0x64, 0x61, 0x74, 1])).length, 1); // size 0: to the end
});
