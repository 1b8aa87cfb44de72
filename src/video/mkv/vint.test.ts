import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MkvError } from './errors.js';
import { decodeId, decodeSize, encodeId, encodeSize, UNKNOWN_SIZE, vintLength } from './vint.js';

const b = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);

test('vintLength reads the marker position', () => {
  assert.equal(vintLength(0x81), 1);
  assert.equal(vintLength(0x40), 2);
  assert.equal(vintLength(0x1a), 4);
  assert.equal(vintLength(0x01), 8);
  assert.equal(vintLength(0x00), 0);
});

test('data sizes: marker stripped, shortest encoding, all-ones is unknown', () => {
  assert.deepEqual(decodeSize(b(0x81)), { value: 1, length: 1 });
  assert.deepEqual(decodeSize(b(0x80)), { value: 0, length: 1 });
  assert.deepEqual(decodeSize(b(0x40, 0x01)), { value: 1, length: 2 });
  assert.deepEqual(decodeSize(b(0x42, 0x34)), { value: 0x234, length: 2 });
  assert.deepEqual(decodeSize(b(0x10, 0x00, 0x00, 0x05)), { value: 5, length: 4 });
  assert.deepEqual(decodeSize(b(0xff)), { value: null, length: 1 });
  assert.deepEqual(decodeSize(b(0x7f, 0xff)), { value: null, length: 2 });
  assert.deepEqual(decodeSize(UNKNOWN_SIZE), { value: null, length: 8 });
  assert.deepEqual(decodeSize(b(0x01, 0, 0, 0, 0, 0, 0x01, 0x00)), { value: 256, length: 8 });
  assert.deepEqual(decodeSize(b(0x01, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)), {
    value: Number.MAX_SAFE_INTEGER,
    length: 8,
  });
  // offset, and "need more bytes"
  assert.deepEqual(decodeSize(b(0xaa, 0x81), 1), { value: 1, length: 1 });
  assert.equal(decodeSize(b(0x40)), undefined);
  assert.equal(decodeSize(b()), undefined);

  assert.deepEqual(encodeSize(1), b(0x81));
  assert.deepEqual(encodeSize(0), b(0x80));
  assert.deepEqual(encodeSize(126), b(0xfe));
  assert.deepEqual(encodeSize(127), b(0x40, 0x7f)); // 0xFF would mean unknown
  assert.deepEqual(encodeSize(0x234), b(0x42, 0x34));
  assert.deepEqual(encodeSize(1, 2), b(0x40, 0x01));
  assert.deepEqual(encodeSize(5, 8), b(0x01, 0, 0, 0, 0, 0, 0, 0x05));
  assert.deepEqual(encodeSize(null), b(0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
});

test('data sizes round-trip across every width boundary', () => {
  for (let w = 1; w <= 7; w++) {
    for (const v of [2 ** (7 * w) - 3, 2 ** (7 * w) - 2, 2 ** (7 * w) - 1, 2 ** (7 * w)]) {
      const enc = encodeSize(v);
      assert.deepEqual(decodeSize(enc), { value: v, length: enc.length }, `value ${v}`);
    }
  }
});

test('data sizes: invalid and unrepresentable ones are typed errors', () => {
  assert.throws(() => decodeSize(b(0x00, 1, 2, 3, 4, 5, 6, 7, 8)), { code: 'MKV_INVALID' });
  assert.throws(() => decodeSize(b(0x01, 0x20, 0, 0, 0, 0, 0, 0)), { code: 'MKV_LIMIT' });
  assert.throws(() => encodeSize(-1), { code: 'MKV_ARGUMENT' });
  assert.throws(() => encodeSize(127, 1), { code: 'MKV_ARGUMENT' });
  assert.throws(() => encodeSize(1.5), MkvError);
});

test('element IDs keep their marker bits', () => {
  assert.deepEqual(decodeId(b(0x1a, 0x45, 0xdf, 0xa3)), { value: 0x1a45dfa3, length: 4 });
  assert.deepEqual(decodeId(b(0x18, 0x53, 0x80, 0x67)), { value: 0x18538067, length: 4 });
  assert.deepEqual(decodeId(b(0xa3)), { value: 0xa3, length: 1 });
  assert.deepEqual(decodeId(b(0x42, 0x86)), { value: 0x4286, length: 2 });
  assert.deepEqual(decodeId(b(0x2a, 0xd7, 0xb1)), { value: 0x2ad7b1, length: 3 });
  assert.deepEqual(decodeId(b(0x40, 0x01)), { value: 0x4001, length: 2 });
  assert.equal(decodeId(b(0x1a, 0x45)), undefined);

  assert.deepEqual(encodeId(0x1a45dfa3), b(0x1a, 0x45, 0xdf, 0xa3));
  assert.deepEqual(encodeId(0xa3), b(0xa3));
  assert.deepEqual(encodeId(0x4001), b(0x40, 0x01));
  assert.deepEqual(encodeId(0x2ad7b1), b(0x2a, 0xd7, 0xb1));
});

test('element IDs: reserved values and over-long IDs are MKV_INVALID', () => {
  assert.throws(() => decodeId(b(0xff)), { code: 'MKV_INVALID' }); // all ones
  assert.throws(() => decodeId(b(0x80)), { code: 'MKV_INVALID' }); // all zeros
  assert.throws(() => decodeId(b(0x40, 0x00)), { code: 'MKV_INVALID' });
  assert.throws(() => decodeId(b(0x7f, 0xff)), { code: 'MKV_INVALID' });
  assert.throws(() => decodeId(b(0x08, 1, 2, 3, 4)), { code: 'MKV_INVALID' }); // 5 bytes
  assert.throws(() => decodeId(b(0x00)), { code: 'MKV_INVALID' });
  assert.throws(() => encodeId(0x12), { code: 'MKV_ARGUMENT' }); // no marker in a 1-byte ID
  assert.throws(() => encodeId(0xff), { code: 'MKV_ARGUMENT' });
});
