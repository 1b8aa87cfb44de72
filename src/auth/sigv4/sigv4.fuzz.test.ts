/**
 * Fuzzing of SigV4 as the network hands it to us: the Authorization header and pre-signed query
 * parsers, query/path decoding and canonicalization, x-amz-date, and the whole verifier over random
 * headers and queries (only AuthError may escape). Requests signed by an independent signer
 * (@smithy/signature-v4, as the SDKs use it) over random methods, paths, queries and headers verify;
 * the same requests with a changed signature, method, path, query or header value do not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SignatureV4 } from '@smithy/signature-v4';
import { InMemoryCredentialStore } from '../credentials.js';
import { NodeSha256 } from '../../device/video/put-media-signing.js';
import { canonicalRequest, credentialScope, sha256Hex } from './canonical-request.js';
import { canonicalUriGeneric, canonicalUriS3, parseQuery, safeDecode } from './encoding.js';
import { AuthError } from './errors.js';
import { headersFromRaw, headersFromRecord } from './headers.js';
import { amzDateToMs, parseAuthorizationHeader, parseCredential, parsePresignedQuery } from './parse.js';
import { verifySigV4, type SigV4Options } from './verify.js';
import { fuzz, onlyTyped, utf16String } from '../../../test/helpers/fuzz.js';

const isAuthError = (err: unknown) => err instanceof AuthError;
const AKID = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const NOW = new Date('2015-08-30T12:36:00Z');
const SIG = 'a'.repeat(64);

const authTokens = [
  'AWS4-HMAC-SHA256',
  'AWS4-HMAC-SHA256 ',
  'Credential=',
  `${AKID}/20150830/us-east-1/service/aws4_request`,
  '/',
  'aws4_request',
  'SignedHeaders=',
  'host',
  ';',
  'host;x-amz-date',
  'Signature=',
  SIG,
  ',',
  ', ',
  '=',
  ' ',
  '\t',
  'x',
];
const textArb = (tokens: readonly string[]) =>
  fc.oneof(
    fc.string({ maxLength: 300 }),
    utf16String(100),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.array(fc.constantFrom(...tokens), { maxLength: 30 }).map((t) => t.join('')),
  );

test('Authorization header parsing: a ParsedAuth or an AuthError for any text', () => {
  fc.assert(
    fc.property(textArb(authTokens), (value) =>
      onlyTyped(() => {
        const parsed = parseAuthorizationHeader(value);
        // Whatever is accepted is well formed.
        assert.match(parsed.signature, /^[0-9a-f]{64}$/);
        assert.ok(parsed.signedHeaders.includes('host'));
        assert.match(parsed.credential.date, /^\d{8}$/);
      }, isAuthError),
    ),
    fuzz(3_000),
  );
});

test('a credential scope parses back to its parts', () => {
  const part = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes('/'));
  fc.assert(
    fc.property(part, fc.stringMatching(/^\d{8}$/), part, part, (akid, date, region, service) => {
      const value = `${akid}/${credentialScope(date, region, service)}`;
      const bad = (m: string) => new AuthError('AuthorizationHeaderMalformed', m);
      assert.deepEqual(parseCredential(value, bad), { accessKeyId: akid, date, region, service });
    }),
    fuzz(500),
  );
});

const queryTokens = [
  'X-Amz-Algorithm=AWS4-HMAC-SHA256',
  `X-Amz-Credential=${AKID}%2F20150830%2Fus-east-1%2Fservice%2Faws4_request`,
  'X-Amz-Date=20150830T123600Z',
  'X-Amz-Expires=60',
  'X-Amz-Expires=99999999999',
  'X-Amz-Expires=0',
  'X-Amz-SignedHeaders=host',
  `X-Amz-Signature=${SIG}`,
  'X-Amz-Security-Token=t',
  '&',
  '=',
  '%',
  '%zz',
  '%E2%82',
  '%C0%80',
  '+',
  'a',
];

test('query parsing and pre-signed query parsing: only AuthError, for any raw query', () => {
  fc.assert(
    fc.property(textArb(queryTokens), (raw) => {
      const query = parseQuery(raw); // never throws
      onlyTyped(() => parsePresignedQuery(query, 604_800), isAuthError);
    }),
    fuzz(3_000),
  );
});

test('path and percent decoding never throw, and canonical forms are plain ASCII', () => {
  fc.assert(
    fc.property(textArb(['/', '.', '..', '%', '%2F', '%zz', '%F0%9F', 'a', '\ud800']), (path) => {
      assert.equal(typeof safeDecode(path), 'string');
      assert.match(canonicalUriS3(path), /^[\x21-\x7e]*$/);
      assert.match(canonicalUriGeneric(path), /^\/[\x21-\x7e]*$/);
    }),
    fuzz(2_000),
  );
});

test('x-amz-date: any text is a time or undefined; formatted times round-trip', () => {
  fc.assert(
    fc.property(textArb(['2015', '0830', 'T', '123600', 'Z', '99', '00']), (text) => {
      const ms = amzDateToMs(text);
      assert.ok(ms === undefined || Number.isFinite(ms));
    }),
    fuzz(1_000),
  );
  fc.assert(
    fc.property(
      fc.date({ min: new Date('1970-01-01Z'), max: new Date('9999-12-31Z'), noInvalidDate: true }),
      (d) => {
        const whole = Math.floor(d.getTime() / 1000) * 1000;
        const text = new Date(whole).toISOString().replace(/[-:]/g, '').replace('.000', '');
        assert.equal(amzDateToMs(text), whole);
      },
    ),
    fuzz(500),
  );
});

function options(s3: boolean, service: string): SigV4Options {
  return {
    service,
    region: 'us-east-1',
    s3,
    credentials: new InMemoryCredentialStore([{ accessKeyId: AKID, secretAccessKey: SECRET }]),
    clock: { now: () => NOW },
    clockSkewSeconds: 900,
    maxExpirySeconds: 604_800,
  };
}

const headerTokens = [
  'authorization',
  'x-amz-date',
  'x-amz-content-sha256',
  'host',
  'date',
  'x-amz-security-token',
];
const rawHeaders = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...headerTokens), fc.string({ maxLength: 20 })),
      fc.oneof(
        fc.constantFrom(
          `AWS4-HMAC-SHA256 Credential=${AKID}/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIG}`,
          '20150830T123600Z',
          'UNSIGNED-PAYLOAD',
          'Sun, 30 Aug 2015 12:36:00 GMT',
          'Sat, 01 Jan 275760 00:00:00 GMT',
        ),
        fc.string({ maxLength: 100 }),
      ),
    ),
    { maxLength: 8 },
  )
  .map((pairs) => pairs.flat());

test('the verifier: random headers and queries give a result or an AuthError, nothing else', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('GET', 'PUT', 'post', ''),
      fc.string({ maxLength: 60 }),
      textArb(queryTokens),
      rawHeaders,
      fc.boolean(),
      (method, rawPath, rawQuery, raw, s3) =>
        onlyTyped(
          () =>
            verifySigV4(
              { method, rawPath, query: parseQuery(rawQuery), headers: headersFromRaw(raw) },
              options(s3, 'service'),
            ),
          isAuthError,
        ),
    ),
    fuzz(2_000),
  );
});

/** encodeURIComponent plus !'()*: the SDKs' extendedEncodeURIComponent, for the wire form. */
const wireEncode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const segment = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom('.', '..', ''));
const headerValue = fc.string({
  unit: fc.constantFrom(...' \tabcXYZ019-_.:;,/=+*"\''.split('')),
  maxLength: 30,
});
const requestArb = fc.record({
  method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD'),
  segments: fc.array(segment, { maxLength: 5 }),
  trailingSlash: fc.boolean(),
  query: fc.dictionary(
    // The smithy signer copies the query by assignment, so a "__proto__" member is lost there.
    fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 10 })
      .filter((k) => !/^x-amz-/i.test(k) && k !== '__proto__'),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    { maxKeys: 4 },
  ),
  headers: fc.dictionary(fc.stringMatching(/^x-f-[a-z0-9-]{1,10}$/), headerValue, { maxKeys: 4 }),
  body: fc.string({ maxLength: 50 }),
  s3: fc.boolean(),
});
type RequestCase = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

interface Wire {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: Record<string, string>;
  bodySha256: string;
}

async function signed(c: RequestCase, presign: boolean): Promise<Wire> {
  const service = c.s3 ? 's3' : 'service';
  const path = `/${c.segments.map(wireEncode).join('/')}${c.trailingSlash && c.segments.length > 0 ? '/' : ''}`;
  const signer = new SignatureV4({
    service,
    region: 'us-east-1',
    credentials: { accessKeyId: AKID, secretAccessKey: SECRET },
    sha256: NodeSha256,
    uriEscapePath: !c.s3,
    applyChecksum: false,
  });
  const headers: Record<string, string> = { host: 'example.amazonaws.com', ...c.headers };
  if (c.s3 && !presign) headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  const request = {
    method: c.method,
    protocol: 'https:',
    hostname: 'example.amazonaws.com',
    path,
    query: { ...c.query },
    headers,
    ...(c.s3 ? {} : { body: c.body }),
  };
  const out = presign
    ? await signer.presign(request, { signingDate: NOW, expiresIn: 300 })
    : await signer.sign(request, { signingDate: NOW });
  const rawQuery = Object.entries(out.query ?? {})
    .map(([k, v]) => `${wireEncode(k)}=${wireEncode(String(v))}`)
    .join('&');
  return {
    method: c.method,
    rawPath: path,
    rawQuery,
    headers: { ...out.headers },
    bodySha256: sha256Hex(c.s3 ? '' : c.body),
  };
}

function verifyWire(w: Wire, s3: boolean) {
  return verifySigV4(
    {
      method: w.method,
      rawPath: w.rawPath,
      query: parseQuery(w.rawQuery),
      headers: headersFromRecord(w.headers),
      ...(s3 ? {} : { bodySha256: w.bodySha256 }),
    },
    options(s3, s3 ? 's3' : 'service'),
  );
}

test('requests signed by @smithy/signature-v4 (headers) verify; a changed signature does not', async () => {
  await fc.assert(
    fc.asyncProperty(requestArb, fc.nat({ max: 63 }), async (c, at) => {
      const wire = await signed(c, false);
      const verified = verifyWire(wire, c.s3);
      assert.equal(verified.presigned, false);
      const auth = wire.headers.authorization ?? '';
      const sigAt = auth.indexOf('Signature=') + 'Signature='.length + at;
      const flipped = auth[sigAt] === '0' ? '1' : '0';
      const bad = {
        ...wire,
        headers: { ...wire.headers, authorization: auth.slice(0, sigAt) + flipped + auth.slice(sigAt + 1) },
      };
      assert.throws(
        () => verifyWire(bad, c.s3),
        (err: unknown) => err instanceof AuthError && err.code === 'SignatureDoesNotMatch',
      );
    }),
    fuzz(300),
  );
});

test('pre-signed requests by @smithy/signature-v4 verify (generic services)', async () => {
  await fc.assert(
    fc.asyncProperty(requestArb, async (c) => {
      const generic = { ...c, s3: false };
      const wire = await signed(generic, true);
      assert.equal(verifyWire(wire, false).presigned, true);
    }),
    fuzz(200),
  );
});

/** Changes that alter the canonical request: each must be refused (with an AuthError). */
const tamper = fc.constantFrom('method', 'path', 'query', 'header', 'body');

test('a signed request changed after signing is refused with an AuthError', async () => {
  await fc.assert(
    fc.asyncProperty(requestArb, tamper, async (c, what) => {
      const wire = await signed(c, false);
      const changed: Wire = { ...wire, headers: { ...wire.headers } };
      if (what === 'method') changed.method = wire.method === 'GET' ? 'PUT' : 'GET';
      else if (what === 'path') changed.rawPath = `${wire.rawPath}x`;
      else if (what === 'query') changed.rawQuery = `${wire.rawQuery}${wire.rawQuery === '' ? '' : '&'}zz=1`;
      else if (what === 'header') changed.headers.host = 'other.example.com';
      else if (c.s3) changed.rawPath = `${wire.rawPath}y`;
      else changed.bodySha256 = sha256Hex(`${c.body}!`);
      assert.throws(() => verifyWire(changed, c.s3), isAuthError, what);
    }),
    fuzz(300),
  );
});

test('the canonical request of a random request is deterministic and newline-framed', () => {
  fc.assert(
    fc.property(requestArb, (c) => {
      const input = {
        method: c.method,
        rawPath: `/${c.segments.map(wireEncode).join('/')}`,
        query: Object.entries(c.query),
        headers: headersFromRecord({ host: 'h', ...c.headers }),
        signedHeaders: ['host', ...Object.keys(c.headers)].sort(),
        payloadHash: sha256Hex(c.body),
        s3: c.s3,
      };
      const canonical = canonicalRequest(input);
      assert.equal(canonical, canonicalRequest(input));
      assert.equal(canonical.split('\n')[0], c.method);
      assert.ok(canonical.endsWith(`\n${input.payloadHash}`));
      // Method, path, query, one line per signed header, a blank line, the list and the payload hash.
      assert.equal(canonical.split('\n').length, 6 + input.signedHeaders.length);
    }),
    fuzz(500),
  );
});
