import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { fuzz } from '../../test/helpers/fuzz.js';
import { compositeChecksum, crc32c } from './checksums.js';
import { WorkerDigests } from './digest-pool.js';

test('CRC32C check value 0xE3069283 ("123456789"), incremental updates agree', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (data, cut) => {
      const at = Math.min(cut, data.length);
      return crc32c(data.subarray(at), crc32c(data.subarray(0, at))) === crc32c(data);
    }),
    fuzz(100),
  );
});

test('worker digests: MD5, CRC32 DUoRhQ== ("hello world"), CRC32C sOO8/Q== (66560 x "a"), SHA-256', async () => {
  const hello = new WorkerDigests(new Set());
  assert.equal(hello.update([Buffer.from('hello '), Buffer.from('world')]), undefined);
  const small = await hello.finish();
  assert.equal(small.checksums.crc32, 'DUoRhQ==');
  assert.equal(small.md5.toString('hex'), createHash('md5').update('hello world').digest('hex'));

  const data = Buffer.alloc(66_560, 'a');
  const digests = new WorkerDigests(new Set(['crc32c', 'sha256', 'sha1']));
  await digests.update([data.subarray(0, 1000)]);
  await digests.update([data.subarray(1000)]);
  const result = await digests.finish();
  assert.equal(result.checksums.crc32c, 'sOO8/Q==');
  assert.equal(result.sha256Hex, createHash('sha256').update(data).digest('hex'));
  assert.equal(result.checksums.sha1, createHash('sha1').update(data).digest('base64'));
  assert.equal(digests.size, 66_560);
});

test('worker digests apply backpressure beyond 8 MiB in flight, and the result is still exact', async () => {
  const chunk = Buffer.alloc(4 * 1024 * 1024, 7);
  const digests = new WorkerDigests(new Set());
  const waits: Promise<void>[] = [];
  for (let i = 0; i < 4; i++) {
    const wait = digests.update([chunk]);
    if (wait) waits.push(wait);
  }
  assert.ok(waits.length > 0, 'the sender is asked to wait');
  await Promise.all(waits);
  const md5 = createHash('md5');
  for (let i = 0; i < 4; i++) md5.update(chunk);
  assert.equal((await digests.finish()).md5.toString('hex'), md5.digest('hex'));
});

test('composite checksum of parts carries the -N suffix', () => {
  assert.match(compositeChecksum('crc32', ['DUoRhQ==', 'DUoRhQ==']), /^[A-Za-z0-9+/]{6}==-2$/);
});
