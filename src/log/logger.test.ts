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
