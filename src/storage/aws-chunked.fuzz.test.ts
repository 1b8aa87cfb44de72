/**
 * Fuzzing of the aws-chunked decoder: arbitrary bytes in arbitrary pieces end in an S3Error or a
 * decoded body, never another exception and never more output than input; random bodies encoded
 * unsigned (with a trailer) or signed decode to their bytes for every way the stream is cut; a signed
 * body with bytes changed either fails with an S3Error or still decodes to exactly the original bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { ChunkSignatureChain } from '../auth/sigv4/chunk-signature.js';
import { signingKey } from '../auth/sigv4/signing-key.js';
import { AwsChunkedDecoder, type AwsChunkedOptions } from './aws-chunked.js';
import { S3Error } from './s3-errors.js';
import { signedChunkedBody } from '../../test/helpers/sigv4-sign.js';
import { applyMutation, fuzz, mutation } from '../../test/helpers/fuzz.js';

const KEY = signingKey('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '20130524', 'us-east-1', 's3');
const SCOPE = '20130524/us-east-1/s3/aws4_request';
const DATE = '20130524T000000Z';
const SEED = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';

type Outcome = { ok: true; data: Buffer; trailers: Map<string, string> } | { ok: false; error: unknown };

/** Feeds `body` cut at `cuts`; resolves with the decoded bytes or the error the stream failed with. */
async function decode(
  body: Uint8Array,
  cuts: readonly number[],
  options: AwsChunkedOptions,
): Promise<Outcome> {
  const points = [...new Set([0, ...cuts.map((c) => Math.min(c, body.length)), body.length])].sort(
    (a, b) => a - b,
  );
  const pieces = points.slice(1).map((end, i) => Buffer.from(body.subarray(points[i], end)));
  const decoder = new AwsChunkedDecoder(options);
  const out: Buffer[] = [];
  try {
    await pipeline(
      Readable.from(pieces.filter((p) => p.length > 0)),
      decoder,
      new Writable({
        write(chunk: Buffer, _e, cb) {
          out.push(chunk);
          cb();
        },
      }),
    );
    return { ok: true, data: Buffer.concat(out), trailers: decoder.trailers };
  } catch (error) {
    return { ok: false, error };
  }
}

function onlyS3Errors(outcome: Outcome, inputLength: number): void {
  if (outcome.ok) assert.ok(outcome.data.length <= inputLength);
  else assert.ok(outcome.error instanceof S3Error, `unexpected ${String(outcome.error)}`);
}

const cutsArb = fc.array(fc.nat({ max: 600 }), { maxLength: 6 });
const unsignedOptions = (decodedLength: number | undefined): AwsChunkedOptions => ({
  chain: undefined,
  trailerNames: ['x-amz-checksum-crc32'],
  signedTrailer: false,
  decodedLength,
});
const signedOptions = (decodedLength: number | undefined): AwsChunkedOptions => ({
  chain: new ChunkSignatureChain(KEY, DATE, SCOPE, SEED),
  trailerNames: [],
  signedTrailer: false,
  decodedLength,
});

const lineTokens = [
  '0',
  '1',
  'a',
  'ffffffffffffffff',
  '10000',
  ';chunk-signature=',
  'ab'.repeat(32),
  '\r\n',
  '\r',
  '\n',
  'x-amz-checksum-crc32:AAAAAA==',
  'x-amz-trailer-signature:00',
  ':',
  'data',
];
const bytesArb = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc.array(fc.constantFrom(...lineTokens), { maxLength: 24 }).map((t) => Buffer.from(t.join(''), 'latin1')),
);

test('arbitrary bytes: a decoded body no longer than the input, or an S3Error', async () => {
  await fc.assert(
    fc.asyncProperty(
      bytesArb,
      cutsArb,
      fc.boolean(),
      fc.option(fc.nat({ max: 600 }), { nil: undefined }),
      async (bytes, cuts, signed, length) => {
        const options = signed ? signedOptions(length) : unsignedOptions(length);
        onlyS3Errors(await decode(bytes, cuts, options), bytes.length);
      },
    ),
    fuzz(200),
  );
});

const chunksArb = fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { maxLength: 5 });

function unsignedBody(chunks: readonly Uint8Array[], trailer: string): Buffer {
  const parts: Buffer[] = [];
  for (const c of chunks)
    parts.push(Buffer.from(`${c.length.toString(16)}\r\n`), Buffer.from(c), Buffer.from('\r\n'));
  parts.push(Buffer.from(`0\r\nx-amz-checksum-crc32:${trailer}\r\n\r\n`));
  return Buffer.concat(parts);
}

test('unsigned bodies with a trailer decode to their bytes and trailer, however the stream is cut', async () => {
  await fc.assert(
    fc.asyncProperty(
      chunksArb,
      fc.base64String({ maxLength: 12 }),
      cutsArb,
      async (chunks, trailer, cuts) => {
        const body = unsignedBody(chunks, trailer);
        const data = Buffer.concat(chunks);
        const outcome = await decode(body, cuts, unsignedOptions(data.length));
        assert.ok(outcome.ok, outcome.ok ? '' : String(outcome.error));
        assert.ok(outcome.data.equals(data));
        assert.equal(outcome.trailers.get('x-amz-checksum-crc32'), trailer);
      },
    ),
    fuzz(150),
  );
});

test('signed bodies decode to their bytes, however the stream is cut', async () => {
  await fc.assert(
    fc.asyncProperty(chunksArb, cutsArb, async (chunks, cuts) => {
      const data = Buffer.concat(chunks);
      const body = signedChunkedBody(
        chunks.map((c) => Buffer.from(c)),
        KEY,
        DATE,
        SCOPE,
        SEED,
      );
      const outcome = await decode(body, cuts, signedOptions(data.length));
      assert.ok(outcome.ok, outcome.ok ? '' : String(outcome.error));
      assert.ok(outcome.data.equals(data));
    }),
    fuzz(150),
  );
});

test('a mutated signed body fails with an S3Error or still yields exactly the signed bytes', async () => {
  await fc.assert(
    fc.asyncProperty(chunksArb, mutation, cutsArb, async (chunks, m, cuts) => {
      const data = Buffer.concat(chunks);
      const body = signedChunkedBody(
        chunks.map((c) => Buffer.from(c)),
        KEY,
        DATE,
        SCOPE,
        SEED,
      );
      const outcome = await decode(applyMutation(body, m), cuts, signedOptions(undefined));
      if (outcome.ok) assert.ok(outcome.data.equals(data), 'a mutated signed body decoded to other bytes');
      else assert.ok(outcome.error instanceof S3Error, `unexpected ${String(outcome.error)}`);
    }),
    fuzz(200),
  );
});

test('a huge size line is refused from the line when the decoded length is known', async () => {
  const body = Buffer.from(`ffffffffffffffff;chunk-signature=${'ab'.repeat(32)}\r\n`);
  const outcome = await decode(body, [], signedOptions(10));
  assert.ok(!outcome.ok && outcome.error instanceof S3Error && outcome.error.code === 'IncompleteBody');
});
