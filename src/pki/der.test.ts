import { test } from 'node:test';
import assert from 'node:assert/strict';
import { derInteger } from './crl.js';
import { newSerial } from './serial.js';

test('DER INTEGER encoding follows X.690 8.3 (minimal, positive)', () => {
  const hex = (n: number) => Buffer.from(derInteger(n)).toString('hex');
  assert.equal(hex(0), '020100');
  assert.equal(hex(1), '020101');
  assert.equal(hex(127), '02017f');
  assert.equal(hex(128), '02020080');
  assert.equal(hex(256), '02020100');
  assert.equal(hex(65535), '020300ffff');
});

test('serials are 16 octets, positive, without a leading zero octet', () => {
  for (const fill of [0x00, 0xff, 0x80]) {
    const serial = newSerial(
      (n) => new Uint8Array(n).fill(fill),
      () => false,
    );
    assert.equal(serial.length, 32);
    const first = Number.parseInt(serial.slice(0, 2), 16);
    assert.ok(first < 0x80 && first >= 0x40, serial);
  }
  assert.throws(
    () =>
      newSerial(
        (n) => new Uint8Array(n),
        () => true,
      ),
    /random source/,
  );
});
