import { test } from 'node:test';
import assert from 'node:assert/strict';
import { annexBToAvcc, groupAccessUnits, splitAnnexB } from './annexb.js';
import { H264Error } from './errors.js';
import { isIdr, nalType, splitLengthPrefixed, toLengthPrefixed } from './nal.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

test('splitAnnexB finds 3- and 4-byte start codes and drops trailing zeros', () => {
  const stream = hex('0000000109f0' + '00000167aa' + '000001688b0000' + '00000001658800000384' + '0000');
  const nals = splitAnnexB(stream);
  assert.deepEqual(
    nals.map((n) => Buffer.from(n).toString('hex')),
    ['09f0', '67aa', '688b', '658800000384'],
  );
  assert.deepEqual(nals.map(nalType), [9, 7, 8, 5]);
  assert.equal(isIdr(nals[3] ?? new Uint8Array()), true);
  assert.deepEqual(splitAnnexB(hex('aabb')), []);
});

test('AVCC framing: 4-, 2- and 1-byte big-endian lengths, and back', () => {
  const nals = [hex('67aa'), hex('65880084')];
  assert.deepEqual(Buffer.from(toLengthPrefixed(nals)).toString('hex'), '0000000267aa0000000465880084');
  assert.deepEqual(Buffer.from(toLengthPrefixed(nals, 2)).toString('hex'), '000267aa000465880084');
  assert.deepEqual(
    Buffer.from(annexBToAvcc(hex('00000167aa00000165880084'), 1)).toString('hex'),
    '0267aa0465880084',
  );
  assert.deepEqual(splitLengthPrefixed(toLengthPrefixed(nals, 2), 2), nals);
  assert.throws(
    () => splitLengthPrefixed(hex('0000000567aa')),
    (e) => e instanceof H264Error && e.code === 'H264_TRUNCATED',
  );
  assert.throws(
    () => splitLengthPrefixed(hex('00000000')),
    (e) => e instanceof H264Error && e.code === 'H264_NAL_INVALID',
  );
  assert.throws(
    () => toLengthPrefixed([new Uint8Array(256)], 1),
    (e) => e instanceof H264Error && e.code === 'H264_VALUE_INVALID',
  );
});

test('groupAccessUnits starts a unit at an AUD, at parameter sets after a slice, and at a first slice', () => {
  const aud = hex('09f0');
  const sps = hex('67aa');
  const pps = hex('68bb');
  const idr = hex('6588'); // first_mb_in_slice 0 (top bit set)
  const idr2 = hex('6540'); // a second slice of the same picture (first_mb_in_slice != 0)
  const p = hex('419a');
  const units = groupAccessUnits([aud, sps, pps, idr, idr2, aud, p, p, sps, pps, idr]);
  assert.deepEqual(
    units.map((u) => u.map(nalType)),
    [[9, 7, 8, 5, 5], [9, 1], [1], [7, 8, 5]],
  );
});
