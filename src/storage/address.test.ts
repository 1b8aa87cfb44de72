import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzz } from '../../test/helpers/fuzz.js';
import { resolveAddress } from './address.js';
import { keyHash } from './disk-layout.js';
import { validateKey } from './keys.js';
import { parseCompleteMultipartUpload } from './xml.js';
import { S3Error } from './s3-errors.js';

test('path style, virtual-host style and percent-decoding of keys', () => {
  assert.deepEqual(resolveAddress('127.0.0.1:9000', '/photos/a%20b/c%2Bd.jpg', ['s3.localhost']), {
    bucket: 'photos',
    key: 'a b/c+d.jpg',
    virtualHost: false,
  });
  assert.deepEqual(resolveAddress('photos.s3.localhost:9000', '/a//b', ['s3.localhost']), {
    bucket: 'photos',
    key: 'a//b',
    virtualHost: true,
  });
  assert.deepEqual(resolveAddress('localhost', '/photos', []), {
    bucket: 'photos',
    key: undefined,
    virtualHost: false,
  });
  assert.deepEqual(resolveAddress('localhost', '/', []), {
    bucket: undefined,
    key: undefined,
    virtualHost: false,
  });
  assert.throws(
    () => resolveAddress('localhost', '/photos/%FF', []),
    (err) => err instanceof S3Error && err.code === 'InvalidURI',
  );
});

test('keys: NUL, controls, lone surrogates and >1024 bytes are refused; file names never come from keys', () => {
  const refused = (key: string, code: string) =>
    assert.throws(
      () => validateKey(key, 1024),
      (err) => err instanceof S3Error && err.code === code,
    );
  refused('a\u0000b', 'InvalidArgument');
  refused('a\nb', 'InvalidArgument');
  refused('\uD800', 'InvalidArgument');
  refused('é'.repeat(513), 'KeyTooLongError');
  for (const key of ['../../etc/passwd', '/abs', '..', 'a/../../b']) {
    validateKey(key, 1024);
    assert.match(keyHash(key), /^[0-9a-f]{64}$/);
  }
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (key) =>
      /^[0-9a-f]{64}$/.test(keyHash(key)),
    ),
    fuzz(100),
  );
});

test('CompleteMultipartUpload XML: parsed, or refused as MalformedXML, never another error', () => {
  assert.deepEqual(
    parseCompleteMultipartUpload(
      '<?xml version="1.0"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><ETag>"abc"</ETag><PartNumber>1</PartNumber><ChecksumCRC32>DUoRhQ==</ChecksumCRC32></Part></CompleteMultipartUpload>',
      10_000,
    ),
    [{ partNumber: 1, etag: 'abc', checksums: { crc32: 'DUoRhQ==' } }],
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (text) => {
      try {
        parseCompleteMultipartUpload(text, 10_000);
      } catch (err) {
        return err instanceof S3Error && (err.code === 'MalformedXML' || err.code === 'InvalidArgument');
      }
      return true;
    }),
    fuzz(100),
  );
});
