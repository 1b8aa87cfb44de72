/**
 * The S3 SigV4 worked examples from the AWS S3 API Reference ("Authenticating Requests: AWS Signature
 * Version 4" examples): pre-signed GET, the four header-auth examples, and the
 * aws-chunked seed, chunk and trailer signatures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryCredentialStore } from '../credentials.js';
import { canonicalRequest, credentialScope, sha256Hex, stringToSign } from './canonical-request.js';
import { ChunkSignatureChain, EMPTY_SHA256 } from './chunk-signature.js';
import { parseQuery } from './encoding.js';
import { AuthError, type AuthErrorCode } from './errors.js';
import { headersFromRecord } from './headers.js';
import { verifySigV4, type SigV4Options, type SigV4Request } from './verify.js';

const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const HOST = 'examplebucket.s3.amazonaws.com';
const E = EMPTY_SHA256;

function options(at: string, overrides: Partial<SigV4Options> = {}): SigV4Options {
  return {
    service: 's3',
    region: 'us-east-1',
    s3: true,
    credentials: new InMemoryCredentialStore([{ accessKeyId: AKID, secretAccessKey: SECRET }]),
    clock: { now: () => new Date(at) },
    clockSkewSeconds: 900,
    maxExpirySeconds: 604_800,
    ...overrides,
  };
}

function rejects(fn: () => unknown, code: AuthErrorCode, message?: RegExp): void {
  assert.throws(
    fn,
    (err) => err instanceof AuthError && err.code === code && (!message || message.test(err.message)),
  );
}

const PRESIGNED_QUERY =
  'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host';

function presigned(query: string, signature: string, method = 'GET', path = '/test.txt'): SigV4Request {
  return {
    method,
    rawPath: path,
    query: parseQuery(`${query}&X-Amz-Signature=${signature}`),
    headers: headersFromRecord({ host: HOST }),
  };
}

test('§1.2 pre-signed GET: canonical request, string to sign and signature aeeed9bb...', () => {
  const req = presigned(PRESIGNED_QUERY, 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404');
  const canonical = canonicalRequest({
    ...req,
    signedHeaders: ['host'],
    payloadHash: 'UNSIGNED-PAYLOAD',
    s3: true,
  });
  assert.equal(canonical, `GET\n/test.txt\n${PRESIGNED_QUERY}\nhost:${HOST}\n\nhost\nUNSIGNED-PAYLOAD`);
  assert.equal(sha256Hex(canonical), '3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04');
  assert.equal(
    stringToSign('20130524T000000Z', credentialScope('20130524', 'us-east-1', 's3'), canonical),
    'AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04',
  );
  const verified = verifySigV4(req, options('2013-05-24T12:00:00Z'));
  assert.equal(verified.presigned, true);
  assert.equal(verified.payloadHash, 'UNSIGNED-PAYLOAD');
});

test('§1.2 the presigner shape (X-Amz-Content-Sha256 in the query) verifies as 7c66ee2a...', () => {
  const query = PRESIGNED_QUERY.replace(
    'X-Amz-Credential',
    'X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&X-Amz-Credential',
  );
  verifySigV4(
    presigned(query, '7c66ee2a8f3d418b10e74b41ba1e114ec349feb696f43a3dd136eed4fa1a2ac6'),
    options('2013-05-24T00:00:00Z'),
  );
});

test('pre-signed checks: expiry, not yet valid, over 7 days, tampering, method, key, wrong region', () => {
  const sig = 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
  rejects(
    () => verifySigV4(presigned(PRESIGNED_QUERY, sig), options('2013-05-25T00:00:01Z')),
    'AccessDenied',
    /Request has expired/,
  );
  verifySigV4(presigned(PRESIGNED_QUERY, sig), options('2013-05-25T00:00:00Z'));
  rejects(
    () => verifySigV4(presigned(PRESIGNED_QUERY, sig), options('2013-05-23T23:44:59Z')),
    'AccessDenied',
    /not valid yet/,
  );
  rejects(
    () =>
      verifySigV4(
        presigned(PRESIGNED_QUERY.replace('86400', '604801'), sig),
        options('2013-05-24T00:00:00Z'),
      ),
    'AuthorizationQueryParametersError',
  );
  rejects(
    () => verifySigV4(presigned(PRESIGNED_QUERY, sig.replace('a', 'b')), options('2013-05-24T00:00:00Z')),
    'SignatureDoesNotMatch',
  );
  rejects(
    () => verifySigV4(presigned(PRESIGNED_QUERY, sig, 'PUT'), options('2013-05-24T00:00:00Z')),
    'SignatureDoesNotMatch',
  );
  rejects(
    () => verifySigV4(presigned(PRESIGNED_QUERY, sig, 'GET', '/other.txt'), options('2013-05-24T00:00:00Z')),
    'SignatureDoesNotMatch',
  );
  rejects(
    () =>
      verifySigV4(presigned(PRESIGNED_QUERY, sig), options('2013-05-24T00:00:00Z', { region: 'cn-north-1' })),
    'AuthorizationQueryParametersError',
  );
  rejects(
    () =>
      verifySigV4(
        presigned(PRESIGNED_QUERY, sig),
        options('2013-05-24T00:00:00Z', { credentials: new InMemoryCredentialStore() }),
      ),
    'InvalidAccessKeyId',
  );
});

interface HeaderExample {
  name: string;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  signedHeaders: string[];
  payload: string;
  crHash: string;
  signature: string;
}

const headerExamples: HeaderExample[] = [
  {
    name: 'GET Object with Range',
    method: 'GET',
    path: '/test.txt',
    query: '',
    headers: { host: HOST, range: 'bytes=0-9', 'x-amz-content-sha256': E, 'x-amz-date': '20130524T000000Z' },
    signedHeaders: ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'],
    payload: E,
    crHash: '7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972',
    signature: 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
  },
  {
    name: 'PUT Object test$file.text',
    method: 'PUT',
    path: '/test%24file.text',
    query: '',
    headers: {
      date: 'Fri, 24 May 2013 00:00:00 GMT',
      host: HOST,
      'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
      'x-amz-date': '20130524T000000Z',
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    },
    signedHeaders: ['date', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-storage-class'],
    payload: '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
    crHash: '9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d',
    signature: '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
  },
  {
    name: 'GET Bucket lifecycle',
    method: 'GET',
    path: '/',
    query: 'lifecycle',
    headers: { host: HOST, 'x-amz-content-sha256': E, 'x-amz-date': '20130524T000000Z' },
    signedHeaders: ['host', 'x-amz-content-sha256', 'x-amz-date'],
    payload: E,
    crHash: '9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca',
    signature: 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543',
  },
  {
    name: 'List objects',
    method: 'GET',
    path: '/',
    query: 'max-keys=2&prefix=J',
    headers: { host: HOST, 'x-amz-content-sha256': E, 'x-amz-date': '20130524T000000Z' },
    signedHeaders: ['host', 'x-amz-content-sha256', 'x-amz-date'],
    payload: E,
    crHash: 'df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7',
    signature: '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
  },
];

for (const example of headerExamples) {
  test(`§1.3 header auth: ${example.name} -> ${example.signature.slice(0, 8)}...`, () => {
    const headers = headersFromRecord({
      ...example.headers,
      authorization: `AWS4-HMAC-SHA256 Credential=${AKID}/20130524/us-east-1/s3/aws4_request,SignedHeaders=${example.signedHeaders.join(';')},Signature=${example.signature}`,
    });
    const req: SigV4Request = {
      method: example.method,
      rawPath: example.path,
      query: parseQuery(example.query),
      headers,
    };
    const canonical = canonicalRequest({
      ...req,
      signedHeaders: example.signedHeaders,
      payloadHash: example.payload,
      s3: true,
    });
    assert.equal(sha256Hex(canonical), example.crHash);
    const verified = verifySigV4(req, options('2013-05-24T00:10:00Z'));
    assert.equal(verified.payloadHash, example.payload);
    rejects(() => verifySigV4(req, options('2013-05-24T00:15:01Z')), 'RequestTimeTooSkewed');
  });
}

test('header auth: unsigned x-amz-* headers, a missing x-amz-content-sha256 and bad tokens are refused', () => {
  const example = headerExamples[0];
  assert.ok(example);
  const auth = `AWS4-HMAC-SHA256 Credential=${AKID}/20130524/us-east-1/s3/aws4_request,SignedHeaders=${example.signedHeaders.join(';')},Signature=${example.signature}`;
  const base = { method: 'GET', rawPath: '/test.txt', query: [] };
  rejects(
    () =>
      verifySigV4(
        {
          ...base,
          headers: headersFromRecord({ ...example.headers, 'x-amz-meta-a': 'b', authorization: auth }),
        },
        options('2013-05-24T00:00:00Z'),
      ),
    'AccessDenied',
    /not signed/,
  );
  const withoutSha = Object.fromEntries(
    Object.entries(example.headers).filter(([name]) => name !== 'x-amz-content-sha256'),
  );
  rejects(
    () =>
      verifySigV4(
        { ...base, headers: headersFromRecord({ ...withoutSha, authorization: auth }) },
        options('2013-05-24T00:00:00Z'),
      ),
    'InvalidRequest',
  );
  const temporary = new InMemoryCredentialStore([
    {
      accessKeyId: AKID,
      secretAccessKey: SECRET,
      sessionToken: 'tok',
      expiresAt: new Date('2013-05-24T01:00:00Z'),
    },
  ]);
  rejects(
    () =>
      verifySigV4(
        { ...base, headers: headersFromRecord({ ...example.headers, authorization: auth }) },
        options('2013-05-24T00:00:00Z', { credentials: temporary }),
      ),
    'InvalidAccessKeyId',
  );
  rejects(
    () =>
      verifySigV4(
        { ...base, headers: headersFromRecord({ ...example.headers, authorization: auth }) },
        options('2013-05-24T01:00:00Z', { credentials: temporary, clockSkewSeconds: 7200 }),
      ),
    'ExpiredToken',
  );
});

const CHUNK_HEADERS = {
  'content-encoding': 'aws-chunked',
  host: 's3.amazonaws.com',
  'x-amz-date': '20130524T000000Z',
  'x-amz-decoded-content-length': '66560',
  'x-amz-storage-class': 'REDUCED_REDUNDANCY',
};

function chunkedSeed(headers: Record<string, string>, signed: string[], seed: string) {
  const req: SigV4Request = {
    method: 'PUT',
    rawPath: '/examplebucket/chunkObject.txt',
    query: [],
    headers: headersFromRecord({
      ...headers,
      authorization: `AWS4-HMAC-SHA256 Credential=${AKID}/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signed.join(';')},Signature=${seed}`,
    }),
  };
  return verifySigV4(req, options('2013-05-24T00:00:00Z'));
}

const A64K = Buffer.alloc(65_536, 'a');
const A1K = Buffer.alloc(1024, 'a');

test('§1.4 STREAMING-AWS4-HMAC-SHA256-PAYLOAD: seed 4f232c43... and the chunk chain', () => {
  const verified = chunkedSeed(
    {
      ...CHUNK_HEADERS,
      'content-length': '66824',
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    },
    [
      'content-encoding',
      'content-length',
      'host',
      'x-amz-content-sha256',
      'x-amz-date',
      'x-amz-decoded-content-length',
      'x-amz-storage-class',
    ],
    '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
  );
  assert.equal(sha256Hex(A64K), 'bf718b6f653bebc184e1479f1935b8da974d701b893afcf49e701f3e2f9f9c5a');
  assert.equal(sha256Hex(A1K), '2edc986847e209b4016e141a6dc8716d3207350f416969382d431539bf292e4a');
  const chain = new ChunkSignatureChain(
    verified.signingKey,
    verified.amzDate,
    verified.scope,
    verified.signature,
  );
  assert.equal(
    chain.verifyChunk(sha256Hex(A64K), '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497'),
    false,
  );
  assert.ok(
    chain.verifyChunk(sha256Hex(A64K), 'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648'),
  );
  assert.ok(
    chain.verifyChunk(sha256Hex(A1K), '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497'),
  );
  assert.ok(chain.verifyChunk(E, 'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9'));
});

test('§1.5 STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: seed 106e2a8a..., chunks and trailer d81f82fc...', () => {
  const verified = chunkedSeed(
    {
      ...CHUNK_HEADERS,
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
      'x-amz-trailer': 'x-amz-checksum-crc32c',
    },
    [
      'content-encoding',
      'host',
      'x-amz-content-sha256',
      'x-amz-date',
      'x-amz-decoded-content-length',
      'x-amz-storage-class',
      'x-amz-trailer',
    ],
    '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e',
  );
  const chain = new ChunkSignatureChain(
    verified.signingKey,
    verified.amzDate,
    verified.scope,
    verified.signature,
  );
  assert.ok(
    chain.verifyChunk(sha256Hex(A64K), 'b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2'),
  );
  assert.ok(
    chain.verifyChunk(sha256Hex(A1K), '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7'),
  );
  assert.ok(chain.verifyChunk(E, '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992'));
  assert.equal(
    chain.verifyTrailer(
      'x-amz-checksum-crc32c:sOO8/Q==\n',
      'd81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435',
    ),
    true,
  );
  assert.equal(
    chain.verifyTrailer(
      'x-amz-checksum-crc32c:AAAAAA==\n',
      'd81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435',
    ),
    false,
  );
});
