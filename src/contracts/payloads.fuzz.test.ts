/**
 * Fuzzing of the MQTT payload contracts (upload notification, queued notification, upload-URL
 * request/accepted/rejected, the PTP/IP upload target): generated valid payloads survive
 * JSON -> parse unchanged, an unknown key is refused by the strict schemas, and arbitrary JSON (random
 * values, schema keys with random values, mutated valid text) never makes a schema throw. The backend's
 * decoder of queued notifications (reconcile.ts) is checked the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { z } from 'zod';
import { queuedUploadNotificationSchema, uploadNotificationSchema } from './upload-notification.js';
import { uploadUrlAcceptedSchema, uploadUrlRejectedSchema, uploadUrlRequestSchema } from './upload-url.js';
import { uploadTargetSchema } from './upload-target.js';
import { parseNotification } from '../backend/uploads/reconcile.js';
import { applyMutation, fuzz, mutation, utf16String } from '../../test/helpers/fuzz.js';

const uploadId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const deviceId = fc.stringMatching(/^[a-zA-Z0-9:_-]{1,128}$/);
const bucket = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,20}[a-z0-9]$/);
const key = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 });
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const contentType = fc.constantFrom('image/jpeg', 'video/mp4', 'application/octet-stream');
const time = fc
  .date({ min: new Date('2000-01-01Z'), max: new Date('2100-01-01Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
const clientToken = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/);
const urlOf = (b: string, k: string) => `https://s3.example.com/${b}/${encodeURIComponent(k)}`;

const notification = fc
  .record({
    uploadId,
    deviceId,
    bucket,
    key,
    size: fc.nat(),
    sha256: hex64,
    contentType,
    capturedAt: time,
    uploadedAt: time,
  })
  .map((n) => ({ ...n, url: urlOf(n.bucket, n.key) }));
const queued = fc
  .record({ n: notification, clientId: deviceId, receivedAt: fc.nat() })
  .map(({ n, clientId, receivedAt }) => ({ ...n, clientId, receivedAt }));
const request = fc.record(
  { clientToken, contentType, size: fc.integer({ min: 1 }), sha256: hex64 },
  { requiredKeys: ['clientToken', 'contentType'] },
);
const put = fc.record({
  url: fc.webUrl(),
  method: fc.constant('PUT' as const),
  // zod 4.1 refuses a record with a "constructor" key ("expected record, received object") and drops
  // "__proto__": header names never are either (they are the signed S3 headers), so neither is generated.
  headers: fc.dictionary(
    fc.string({ minLength: 1, maxLength: 20 }).filter((k) => k !== 'constructor' && k !== '__proto__'),
    fc.string({ maxLength: 40 }),
    {
      maxKeys: 4,
    },
  ),
  expiresAt: time,
});
const accepted = fc
  .record({ clientToken, uploadId, bucket, key, put })
  .map((a) => ({ ...a, url: urlOf(a.bucket, a.key) }));
const rejected = fc.record(
  { clientToken, code: fc.string({ maxLength: 30 }), message: fc.string({ maxLength: 100 }) },
  { requiredKeys: ['code', 'message'] },
);
const target = fc.record({ uploadId, bucket, key, put }).map((t) => ({ ...t, url: urlOf(t.bucket, t.key) }));

interface Contract {
  name: string;
  schema: z.ZodType;
  valid: fc.Arbitrary<Record<string, unknown>>;
  strict: boolean;
}
const contracts: Contract[] = [
  { name: 'upload notification', schema: uploadNotificationSchema, valid: notification, strict: true },
  { name: 'queued notification', schema: queuedUploadNotificationSchema, valid: queued, strict: true },
  { name: 'upload-url request', schema: uploadUrlRequestSchema, valid: request, strict: true },
  { name: 'upload-url accepted', schema: uploadUrlAcceptedSchema, valid: accepted, strict: true },
  { name: 'upload-url rejected', schema: uploadUrlRejectedSchema, valid: rejected, strict: true },
  { name: 'upload target (PTP/IP)', schema: uploadTargetSchema, valid: target, strict: false },
];

/** Plain JSON round trip, so the value is exactly what a peer's JSON.parse would hand the schema. */
const viaJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

for (const c of contracts) {
  test(`${c.name}: generated payloads round-trip through JSON and the schema unchanged`, () => {
    fc.assert(
      fc.property(c.valid, (value) => {
        const parsed = c.schema.safeParse(viaJson(value));
        assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues));
        assert.deepEqual(parsed.data, viaJson(value));
      }),
      fuzz(300),
    );
  });

  test(`${c.name}: arbitrary JSON and mutated payloads never make the schema throw`, () => {
    const keys = fc.constantFrom(
      'uploadId',
      'deviceId',
      'bucket',
      'key',
      'url',
      'size',
      'sha256',
      'clientToken',
      'put',
      'code',
      '__proto__',
      'constructor',
    );
    const shaped = fc.dictionary(keys, fc.jsonValue({ maxDepth: 3 }));
    const mutated = fc
      .tuple(c.valid, mutation)
      .map(([v, m]) => Buffer.from(applyMutation(Buffer.from(JSON.stringify(v)), m)).toString('utf8'));
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 4 }), shaped, mutated, utf16String(80)), (input) => {
        let json: unknown = input;
        if (typeof input === 'string') {
          try {
            json = JSON.parse(input);
          } catch {
            return;
          }
        }
        const parsed = c.schema.safeParse(json);
        if (parsed.success) assert.equal(typeof parsed.data, 'object');
      }),
      fuzz(500),
    );
  });

  if (c.strict) {
    test(`${c.name}: an unknown key is refused`, () => {
      fc.assert(
        fc.property(
          c.valid,
          fc.string({ minLength: 1, maxLength: 10 }),
          fc.jsonValue({ maxDepth: 1 }),
          (value, k, v) => {
            fc.pre(!(k in value) && k !== '__proto__');
            assert.equal(c.schema.safeParse({ ...(viaJson(value) as object), [k]: v }).success, false);
          },
        ),
        fuzz(200),
      );
    });
  }
}

test('the backend decodes queued notifications from any text without throwing', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        queued.map((q) => JSON.stringify(q)),
        fc.json(),
        utf16String(200),
      ),
      (body) => {
        const result = parseNotification(body);
        if (typeof result !== 'string') assert.ok(queuedUploadNotificationSchema.safeParse(result).success);
        else assert.ok(!result.includes(body) || body.length < 3, 'the reason must not echo the device body');
      },
    ),
    fuzz(500),
  );
});
