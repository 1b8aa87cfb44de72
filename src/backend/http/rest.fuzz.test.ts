/**
 * Fuzzing of the backend REST API through inject(): random methods on every route, random ids, query
 * strings, tokens and bodies (random JSON, bodies of the routes' own keys with random values, broken
 * JSON, wrong content types) never produce a 5xx, and every refusal carries a stable error code. The
 * media cursor (a client-held opaque string) decodes or is VALIDATION_FAILED.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestBackend } from '../../../test/helpers/backend-app.js';
import { fuzz, onlyTyped, utf16String } from '../../../test/helpers/fuzz.js';
import { CamlinkError } from '../../errors/camlink-error.js';
import { decodeCursor, encodeCursor } from '../uploads/cursor.js';

const routes = [
  ['GET', '/v1/devices'],
  ['POST', '/v1/devices'],
  ['POST', '/v1/devices/provision'],
  ['GET', '/v1/devices/:id'],
  ['POST', '/v1/pairing/challenges'],
  ['POST', '/v1/pairing'],
  ['DELETE', '/v1/devices/:id/pairing'],
  ['POST', '/v1/devices/:id/uploads'],
  ['GET', '/v1/devices/:id/uploads'],
  ['GET', '/v1/uploads/:id'],
  ['DELETE', '/v1/uploads/:id'],
  ['POST', '/v1/users'],
  ['POST', '/v1/users/:id/tokens'],
  ['GET', '/v1/me'],
  ['POST', '/v1/devices/:id/video/stream'],
  ['GET', '/v1/devices/:id/video/hls'],
] as const;
const keys = [
  'name',
  'deviceId',
  'challengeId',
  'signature',
  'csr',
  'certificateId',
  'contentType',
  'size',
  'sha256',
  'mode',
  'start',
  'end',
  'status',
  'limit',
  'cursor',
  '__proto__',
  'constructor',
];
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    'cam-1',
    'image/jpeg',
    'a'.repeat(64),
    '-----BEGIN CERTIFICATE REQUEST-----',
    1e308,
    -1,
    2 ** 53,
  ),
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 5 }),
  utf16String(60),
);
const pathPart = fc.oneof(
  fc.constantFrom('cam-1', 'x', '%00', '%zz', '..', 'a%2Fb'),
  fc.stringMatching(/^[A-Za-z0-9_.~-]{1,20}$/),
);
const query = fc.dictionary(
  fc.constantFrom('limit', 'cursor', 'status', 'start', 'end', 'x'),
  fc.string({ maxLength: 20 }),
  { maxKeys: 3 },
);

test('REST API: random requests never give a 5xx, and every error has a stable code (and /v1/devices/%zz is VALIDATION_FAILED)', async (t) => {
  const b = await startTestBackend(t, 'sqlite');
  const user = await b.user('fuzz');
  // Regression: a path that does not percent-decode was answered in Fastify's own error shape.
  for (const url of ['/v1/devices/%zz', '/v1/devices/%zz/pairing', '/v1/uploads/%E0%A4%A']) {
    const res = await b.call('GET', url, { token: b.operatorToken });
    assert.equal(res.statusCode, 400, url);
    assert.equal(res.json<{ error: { code: string } }>().error.code, 'VALIDATION_FAILED', url);
  }

  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...routes),
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
      fc.boolean(),
      pathPart,
      query,
      fc.constantFrom(b.operatorToken, user.token, undefined, 'nope', ''),
      body,
      fc.constantFrom('application/json', 'text/plain', undefined),
      async ([routeMethod, template], otherMethod, sameMethod, id, q, token, payload, contentType) => {
        const search = new URLSearchParams(q).toString();
        const url = `${template.replace(':id', id)}${search === '' ? '' : `?${search}`}`;
        const method = sameMethod ? routeMethod : otherMethod;
        const res = await b.app.inject({
          method,
          url,
          headers: {
            ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
            ...(contentType === undefined || payload === undefined ? {} : { 'content-type': contentType }),
          },
          ...(payload === undefined || method === 'GET'
            ? {}
            : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
        });
        assert.ok(res.statusCode < 500, `${method} ${url} -> ${res.statusCode} ${res.body}`);
        if (res.statusCode >= 400) {
          const code = res.json<{ error?: { code?: unknown } }>().error?.code;
          assert.ok(
            typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code),
            `${method} ${url} -> ${res.body}`,
          );
        }
      },
    ),
    fuzz(80),
  );
});

test('media cursors: any text decodes or is VALIDATION_FAILED; encoded cursors round-trip', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        utf16String(60),
        fc.base64String({ maxLength: 80 }).map((s) => s.replace(/=+$/, '')),
      ),
      (text) =>
        onlyTyped(
          () => decodeCursor(text),
          (err) => err instanceof CamlinkError && err.code === 'VALIDATION_FAILED',
        ),
    ),
    fuzz(2_000),
  );
  fc.assert(
    fc.property(fc.nat(), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), (createdAt, uploadId) => {
      assert.deepEqual(decodeCursor(encodeCursor({ createdAt, uploadId })), { createdAt, uploadId });
    }),
    fuzz(500),
  );
});
