/**
 * Fuzzing of the backend's decoder of camera upload-URL requests (MQTT payload bytes): it never throws,
 * accepts exactly the contract, echoes a clientToken only when it is valid, and refuses oversized
 * payloads before parsing them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UPLOAD_URL_MAX_PAYLOAD_BYTES, uploadUrlRequestSchema } from '../../contracts/upload-url.js';
import { decodeUploadUrlRequest } from './upload-url-payload.js';
import { applyMutation, fuzz, mutation } from '../../../test/helpers/fuzz.js';

const clientToken = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/);
const request = fc.record(
  {
    clientToken,
    contentType: fc.string({ minLength: 3, maxLength: 40 }),
    size: fc.integer({ min: 1 }),
    sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
  },
  { requiredKeys: ['clientToken', 'contentType'] },
);
const bytesOf = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

test('valid requests decode to themselves', () => {
  fc.assert(
    fc.property(request, (r) => {
      const decoded = decodeUploadUrlRequest(bytesOf(r));
      assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
      assert.deepEqual(decoded.request, { ...r });
    }),
    fuzz(500),
  );
});

test('arbitrary and mutated payloads: a request or a coded failure, the token echoed only if valid', () => {
  const payloads = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.json().map((j) => Buffer.from(j)),
    fc
      .record(
        { clientToken: fc.oneof(clientToken, fc.string(), fc.jsonValue()), contentType: fc.jsonValue() },
        { requiredKeys: [] },
      )
      .map(bytesOf),
    fc.tuple(request, mutation).map(([r, m]) => applyMutation(bytesOf(r), m)),
  );
  fc.assert(
    fc.property(payloads, (payload) => {
      const decoded = decodeUploadUrlRequest(payload);
      if (decoded.ok) {
        assert.ok(uploadUrlRequestSchema.safeParse(decoded.request).success);
        return;
      }
      assert.ok(['VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE'].includes(decoded.error.code), decoded.error.code);
      if (decoded.clientToken !== undefined) assert.match(decoded.clientToken, /^[A-Za-z0-9_.:-]{1,64}$/);
    }),
    fuzz(800),
  );
});

test('a payload over the limit is PAYLOAD_TOO_LARGE whatever it holds', () => {
  fc.assert(
    fc.property(request, fc.nat({ max: 2_000 }), (r, extra) => {
      const padded = Buffer.from(
        JSON.stringify(r).replace(/}$/, `${' '.repeat(UPLOAD_URL_MAX_PAYLOAD_BYTES + 1 + extra)}}`),
      );
      const decoded = decodeUploadUrlRequest(padded);
      assert.ok(
        !decoded.ok && decoded.error.code === 'PAYLOAD_TOO_LARGE' && decoded.clientToken === undefined,
      );
    }),
    fuzz(100),
  );
});

test('a valid token is echoed even when the rest of the request is invalid', () => {
  const decoded = decodeUploadUrlRequest(bytesOf({ clientToken: 'tok-1', contentType: 1 }));
  assert.ok(!decoded.ok && decoded.clientToken === 'tok-1' && decoded.error.code === 'VALIDATION_FAILED');
});
