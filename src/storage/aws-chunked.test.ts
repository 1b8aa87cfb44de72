/**
 * The aws-chunked decoder against the S3 worked examples (kvs-sigv4-cos.md §1.4, §1.5): the signed
 * 66,560-byte body decodes, a tampered chunk or trailer is refused, and unsigned trailer bodies as
 * @aws-sdk/client-s3 sends them decode with their trailer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { ChunkSignatureChain } from '../auth/sigv4/chunk-signature.js';
import { signingKey } from '../auth/sigv4/signing-key.js';
import { AwsChunkedDecoder, type AwsChunkedOptions } from './aws-chunked.js';
import { S3Error } from './s3-errors.js';

const KEY = signingKey('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '20130524', 'us-east-1', 's3');
const SCOPE = '20130524/us-east-1/s3/aws4_request';
const DATE = '20130524T000000Z';

async function decode(
  body: Buffer,
  options: AwsChunkedOptions,
  pieces = 7,
): Promise<{ data: Buffer; decoder: AwsChunkedDecoder }> {
  const decoder = new AwsChunkedDecoder(options);
  const out: Buffer[] = [];
  const step = Math.ceil(body.length / pieces);
  const parts = Array.from({ length: pieces }, (_, i) => body.subarray(i * step, (i + 1) * step)).filter(
    (p) => p.length > 0,
  );
  await pipeline(
    Readable.from(parts),
    decoder,
    new Writable({
      write(chunk: Buffer, _e, cb) {
        out.push(chunk);
        cb();
      },
    }),
  );
  return { data: Buffer.concat(out), decoder };
}

function signedBody(signatures: string[], tail = '\r\n'): Buffer {
  const a64 = Buffer.alloc(65_536, 'a');
  const a1 = Buffer.alloc(1024, 'a');
  return Buffer.concat([
    Buffer.from(`10000;chunk-signature=${signatures[0]}\r\n`),
    a64,
    Buffer.from(`\r\n400;chunk-signature=${signatures[1]}\r\n`),
    a1,
    Buffer.from(`\r\n0;chunk-signature=${signatures[2]}\r\n${tail}`),
  ]);
}

const SIGS = [
  'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
  '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
  'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
];

function chain(seed: string) {
  return new ChunkSignatureChain(KEY, DATE, SCOPE, seed);
}

test('signed aws-chunked example (66824 wire bytes) decodes to 66560 bytes of "a"', async () => {
  const body = signedBody(SIGS);
  assert.equal(body.length, 66_824);
  const { data } = await decode(body, {
    chain: chain('4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9'),
    trailerNames: [],
    signedTrailer: false,
    decodedLength: 66_560,
  });
  assert.ok(data.equals(Buffer.alloc(66_560, 'a')));
});

test('a tampered chunk, a wrong signature or a short body is refused', async () => {
  const options = (): AwsChunkedOptions => ({
    chain: chain('4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9'),
    trailerNames: [],
    signedTrailer: false,
    decodedLength: 66_560,
  });
  const tampered = signedBody(SIGS);
  tampered[1000] = 'b'.charCodeAt(0);
  const isCode = (code: string) => (err: unknown) => err instanceof S3Error && err.code === code;
  await assert.rejects(decode(tampered, options()), isCode('SignatureDoesNotMatch'));
  await assert.rejects(
    decode(signedBody([SIGS[1] ?? '', SIGS[0] ?? '', SIGS[2] ?? '']), options()),
    isCode('SignatureDoesNotMatch'),
  );
  await assert.rejects(decode(signedBody(SIGS).subarray(0, 60_000), options()), isCode('IncompleteBody'));
  await assert.rejects(
    decode(signedBody(SIGS), { ...options(), decodedLength: 66_559 }),
    isCode('IncompleteBody'),
  );
});

test('signed trailer example: x-amz-checksum-crc32c:sOO8/Q== with trailer signature d81f82fc...', async () => {
  const sigs = [
    'b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2',
    '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7',
    '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992',
  ];
  const tail = (value: string) =>
    `x-amz-checksum-crc32c:${value}\r\nx-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n`;
  const options = (): AwsChunkedOptions => ({
    chain: chain('106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e'),
    trailerNames: ['x-amz-checksum-crc32c'],
    signedTrailer: true,
    decodedLength: 66_560,
  });
  const { decoder } = await decode(signedBody(sigs, tail('sOO8/Q==')), options());
  assert.equal(decoder.trailers.get('x-amz-checksum-crc32c'), 'sOO8/Q==');
  await assert.rejects(
    decode(signedBody(sigs, tail('AAAAAA==')), options()),
    (err) => err instanceof S3Error && err.code === 'SignatureDoesNotMatch',
  );
});

test('unsigned trailer body as the JS SDK sends it (one chunk per stream read)', async () => {
  const body = Buffer.from('6\r\nhello \r\n5\r\nworld\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n');
  const { data, decoder } = await decode(
    body,
    { chain: undefined, trailerNames: ['x-amz-checksum-crc32'], signedTrailer: false, decodedLength: 11 },
    body.length,
  );
  assert.equal(data.toString(), 'hello world');
  assert.equal(decoder.trailers.get('x-amz-checksum-crc32'), 'DUoRhQ==');
  await assert.rejects(
    decode(Buffer.from('5\r\nhello\r\n0\r\nx-amz-meta-evil:1\r\n\r\n'), {
      chain: undefined,
      trailerNames: ['x-amz-checksum-crc32'],
      signedTrailer: false,
      decodedLength: 5,
    }),
    (err) => err instanceof S3Error && err.code === 'InvalidRequest',
  );
});
