import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BodyDigests, compositeChecksum, crc32c } from './checksums.js';

test('CRC32C check value 0xE3069283 ("123456789") and the AWS trailer vector sOO8/Q== (66560 x "a")', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  const digests = new BodyDigests(new Set(['crc32c', 'sha256']));
  digests.update(Buffer.alloc(66_560, 'a'));
  const { checksums, md5 } = digests.finish();
  assert.equal(checksums.crc32c, 'sOO8/Q==');
  assert.equal(md5.length, 16);
});

test('CRC32 of "hello world" is DUoRhQ== (the SDK wire capture), incremental updates agree', () => {
  const digests = new BodyDigests(new Set());
  digests.update(Buffer.from('hello '));
  digests.update(Buffer.from('world'));
  assert.equal(digests.finish().checksums.crc32, 'DUoRhQ==');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (data, cut) => {
      const at = Math.min(cut, data.length);
      return crc32c(data.subarray(at), crc32c(data.subarray(0, at))) === crc32c(data);
    }),
  );
});

test('composite checksum of parts carries the -N suffix', () => {
  assert.match(compositeChecksum('crc32', ['DUoRhQ==', 'DUoRhQ==']), /^[A-Za-z0-9+/]{6}==-2$/);
});
