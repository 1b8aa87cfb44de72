import { test } from 'node:test';
import assert from 'node:assert/strict';
import { md5Hex, md5OfMessageAttributes } from './md5.js';

test('MD5OfMessageBody is the MD5 of the UTF-8 body', () => {
  assert.equal(md5Hex(''), 'd41d8cd98f00b204e9800998ecf8427e');
  assert.equal(md5Hex('hello'), '5d41402abc4b2a76b9719d911017c592');
});

test('MD5OfMessageAttributes: the SQS guide example (SellerName = "Example Store")', () => {
  assert.equal(
    md5OfMessageAttributes({ SellerName: { DataType: 'String', StringValue: 'Example Store' } }),
    'cd28f3b68aeee4b2eac9c66f2f694b58',
  );
});

test('MD5OfMessageAttributes: sorted by name, Number travels as a string (vector checked against SQS)', () => {
  assert.equal(
    md5OfMessageAttributes({
      ordinal: { DataType: 'Number', StringValue: '1' },
      category: { DataType: 'String', StringValue: 'test' },
    }),
    'd21ae90c49061e927f57df5f5d72be1f',
  );
});

test('MD5OfMessageAttributes: no attributes, no digest; binary uses transport byte 2', () => {
  assert.equal(md5OfMessageAttributes({}), undefined);
  const bytes = Buffer.from([0, 1, 2]);
  const expected = md5Hex(
    Buffer.concat([
      Buffer.from([0, 0, 0, 1]),
      Buffer.from('b'),
      Buffer.from([0, 0, 0, 6]),
      Buffer.from('Binary'),
      Buffer.from([2, 0, 0, 0, 3]),
      bytes,
    ]),
  );
  assert.equal(md5OfMessageAttributes({ b: { DataType: 'Binary', BinaryValue: bytes } }), expected);
});
