import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from './logger.js';

test('secrets are redacted at the top level and nested, by key name', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const log = createLogger({ level: 'info' }, sink);
  log.info(
    {
      key: '-----BEGIN PRIVATE KEY-----abc',
      creds: { secretAccessKey: 'wJalrXUtnFEMI', sessionToken: 'tok' },
      req: { headers: { authorization: 'AWS4-HMAC-SHA256 Credential=x' } },
      query: { 'X-Amz-Signature': 'deadbeef' },
      deviceId: 'cam-001',
    },
    'hello',
  );
  const out = lines.join('');
  for (const secret of ['BEGIN PRIVATE KEY', 'wJalrXUtnFEMI', 'tok"', 'Credential=x', 'deadbeef']) {
    assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
  }
  assert.ok(out.includes('cam-001'));
  assert.ok(out.includes('[REDACTED]'));
});

test('temporary COS and AWS keys are redacted: TmpSecretId/TmpSecretKey/Token, securityToken, token query names', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  createLogger({ level: 'info' }, sink).info(
    {
      Credentials: { TmpSecretId: 'AKIDtmpLEAK1', TmpSecretKey: 'tmpKeyLEAK2', Token: 'tokenLEAK3' },
      cos: { securityToken: 'securityLEAK4' },
      query: { 'x-cos-security-token': 'cosQueryLEAK5', 'X-Amz-Security-Token': 'amzQueryLEAK6' },
    },
    'keys',
  );
  const out = lines.join('');
  for (const n of [1, 2, 3, 4, 5, 6]) assert.ok(!out.includes(`LEAK${n}`), `LEAK${n} leaked: ${out}`);
});
