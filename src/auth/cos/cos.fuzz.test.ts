/**
 * Fuzzing of COS request authentication (q-sign-algorithm=sha1): random Authorization headers, query
 * strings and header sets give a verified request or an AuthError, nothing else; requests signed by
 * the COS SDK's own getAuthorization over random keys, queries and headers verify, and a changed
 * signature, key or signed header does not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import COS from 'cos-nodejs-sdk-v5';
import { InMemoryCredentialStore } from '../credentials.js';
import { AuthError } from '../sigv4/errors.js';
import { headersFromRaw, headersFromRecord } from '../sigv4/headers.js';
import { parseQuery } from '../sigv4/encoding.js';
import { cosEncode } from './signature.js';
import { verifyCos, type CosOptions } from './verify.js';
import { fuzz, onlyTyped, utf16String } from '../../../test/helpers/fuzz.js';

const SECRET_ID = 'AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q';
const SECRET_KEY = 'BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz';
const NOW = 1_700_000_100;
const isAuthError = (err: unknown) => err instanceof AuthError;

const options: CosOptions = {
  credentials: new InMemoryCredentialStore([{ accessKeyId: SECRET_ID, secretAccessKey: SECRET_KEY }]),
  clock: { now: () => new Date(NOW * 1000) },
  clockSkewSeconds: 900,
  maxExpirySeconds: 604_800,
};

const fieldTokens = [
  'q-sign-algorithm=sha1',
  'q-sign-algorithm=md5',
  `q-ak=${SECRET_ID}`,
  'q-ak=unknown',
  'q-sign-time=1700000000;1700003600',
  'q-sign-time=1700003600;1700000000',
  'q-sign-time=0;999999999999',
  'q-key-time=1700000000;1700003600',
  'q-header-list=host',
  'q-header-list=',
  'q-header-list=host;x-cos-a',
  'q-url-param-list=',
  'q-url-param-list=a;b',
  `q-signature=${'0'.repeat(40)}`,
  'q-signature=',
  '&',
  '=',
  ';',
  '%',
];
const fieldSoup = fc.oneof(
  fc.string({ maxLength: 200 }),
  utf16String(100),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.array(fc.constantFrom(...fieldTokens), { maxLength: 16 }).map((t) => t.join('&')),
  fc.array(fc.constantFrom(...fieldTokens), { maxLength: 16 }).map((t) => t.join('')),
);

test('random COS Authorization headers and queries: verified or AuthError, nothing else', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('GET', 'PUT', 'put', ''),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fieldSoup,
      fc.boolean(),
      fc.array(fc.tuple(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 30 })), {
        maxLength: 4,
      }),
      (method, pathname, fields, inHeader, extra) => {
        const raw = extra.flat();
        const query = inHeader ? [] : parseQuery(fields);
        if (inHeader) raw.push('authorization', fields);
        else query.push(...extra.map(([n, v]) => [n, v] as const));
        onlyTyped(
          () => verifyCos({ method, pathname, query, headers: headersFromRaw(raw) }, options),
          isAuthError,
        );
      },
    ),
    fuzz(3_000),
  );
});

const keyArb = fc
  .array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 4 })
  .map((parts) => parts.join('/'))
  .filter((k) => !k.startsWith('/'));
const requestArb = fc.record({
  method: fc.constantFrom('get', 'put', 'post', 'delete'),
  key: keyArb,
  query: fc.dictionary(
    fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/).filter((k) => !k.startsWith('q-')),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    { maxKeys: 3 },
  ),
  headers: fc.dictionary(
    fc.stringMatching(/^x-cos-meta-[a-z0-9]{1,8}$/),
    fc
      .string({ unit: fc.constantFrom(...'abcXYZ019-_.:;,/=+*" '.split('')), maxLength: 20 })
      .map((v) => v.trim()),
    { maxKeys: 3 },
  ),
  presigned: fc.boolean(),
});
type RequestCase = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

function sign(c: RequestCase): { query: [string, string][]; headers: Record<string, string> } {
  const headers = { host: 'examplebucket-1250000000.cos.ap-shanghai.myqcloud.com', ...c.headers };
  const auth = COS.getAuthorization({
    SecretId: SECRET_ID,
    SecretKey: SECRET_KEY,
    Method: c.method,
    Key: c.key,
    Query: { ...c.query }, // the SDK calls obj.hasOwnProperty: no null-prototype objects
    Headers: headers,
    KeyTime: '1700000000;1700003600',
  });
  const query: [string, string][] = Object.entries(c.query);
  if (c.presigned) {
    for (const [n, v] of parseQuery(auth.replace(/;/g, '%3B'))) query.push([n, v]);
    return { query, headers };
  }
  return { query, headers: { ...headers, authorization: auth } };
}

function verify(c: RequestCase, query: [string, string][], headers: Record<string, string>) {
  return verifyCos(
    { method: c.method.toUpperCase(), pathname: `/${c.key}`, query, headers: headersFromRecord(headers) },
    options,
  );
}

test('requests signed by cos-nodejs-sdk-v5 getAuthorization verify; tampered ones are refused', () => {
  fc.assert(
    fc.property(requestArb, fc.constantFrom('signature', 'key', 'header'), (c, what) => {
      const { query, headers } = sign(c);
      assert.equal(verify(c, query, headers).presigned, c.presigned);
      const badSig = (s: string) =>
        s.replace(/q-signature=([0-9a-f])/, (_m, d: string) => `q-signature=${d === '0' ? '1' : '0'}`);
      let changed = { c, query, headers };
      if (what === 'key') changed = { ...changed, c: { ...c, key: `${c.key}x` } };
      else if (what === 'header')
        changed = { ...changed, headers: { ...headers, host: 'other.example.com' } };
      else if (c.presigned)
        changed = {
          ...changed,
          query: query.map(([n, v]) => [n, n === 'q-signature' ? badSig(`q-signature=${v}`).slice(12) : v]),
        };
      else
        changed = { ...changed, headers: { ...headers, authorization: badSig(headers.authorization ?? '') } };
      assert.throws(
        () => verify(changed.c, changed.query, changed.headers),
        (err: unknown) => err instanceof AuthError && err.code === 'SignatureDoesNotMatch',
        what,
      );
    }),
    fuzz(300),
  );
});

test('cosEncode never throws and yields only unreserved characters and %XX', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), utf16String(60)), (value) => {
      assert.match(cosEncode(value), /^(?:[A-Za-z0-9\-_.~]|%[0-9A-F]{2})*$/);
    }),
    fuzz(2_000),
  );
});

test('regression: a lone surrogate in a query name is an AuthError or ignored, not a URIError', () => {
  const fields = `q-sign-algorithm=sha1&q-ak=${SECRET_ID}&q-sign-time=1700000000;1700003600&q-key-time=1700000000;1700003600&q-header-list=host&q-url-param-list=a&q-signature=${'0'.repeat(40)}`;
  assert.throws(
    () =>
      verifyCos(
        {
          method: 'GET',
          pathname: '/k',
          query: [['\ud800', 'v']],
          headers: headersFromRecord({ host: 'h', authorization: fields }),
        },
        options,
      ),
    (err: unknown) => err instanceof AuthError && err.code === 'SignatureDoesNotMatch',
  );
});
