/** Server options: HTTPS by default, plain HTTP only on loopback behind devHttp, and no secrets in logs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { InMemoryCredentialStore } from '../../src/auth/credentials.js';
import { isCamlinkError } from '../../src/errors/camlink-error.js';
import { createLogger } from '../../src/log/logger.js';
import { createS3Presigner } from '../../src/presign/s3.js';
import { startStorageServer } from '../../src/storage/server.js';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY } from '../helpers/storage.js';
import { tempDir } from '../helpers/tmp.js';

test('without TLS material the store refuses to start; devHttp binds loopback only and warns', async (t) => {
  const dataDir = await tempDir(t);
  const credentials = new InMemoryCredentialStore([
    { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
  ]);
  await assert.rejects(startStorageServer({ dataDir, credentials, port: 0 }), (err) =>
    isCamlinkError(err, 'STORAGE_OPTIONS_INVALID'),
  );
  await assert.rejects(
    startStorageServer({ dataDir, credentials, port: 0, devHttp: true, host: '0.0.0.0' }),
    (err) => isCamlinkError(err, 'STORAGE_OPTIONS_INVALID'),
  );
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const logger = createLogger({ level: 'debug' }, sink);
  const server = await startStorageServer({ dataDir, credentials, port: 0, devHttp: true, logger });
  t.after(() => server.close());
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(
    lines.some((l) => /"level":40/.test(l) && /PLAIN HTTP/.test(l)),
    'a warning is logged',
  );

  const s3 = new S3Client({
    endpoint: server.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'dev' }));
  await s3.send(new PutObjectCommand({ Bucket: 'dev', Key: 'a.txt', Body: 'hello' }));
  const presigned = await createS3Presigner({
    region: 'us-east-1',
    endpoint: server.url,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
  }).presign({ method: 'GET', bucket: 'dev', key: 'a.txt', expiresInSeconds: 60 });
  const res = await fetch(presigned.url);
  assert.equal(await res.text(), 'hello');
  const tampered = await fetch(
    presigned.url.replace(/X-Amz-Signature=[0-9a-f]{8}/, 'X-Amz-Signature=00000000'),
  );
  assert.equal(tampered.status, 403);
  await server.settled();
  const log = lines.join('');
  assert.match(log, /s3 request/);
  const signature = new URL(presigned.url).searchParams.get('X-Amz-Signature') ?? '';
  for (const secret of [SECRET_ACCESS_KEY, signature, 'X-Amz-Signature', 'Signature=']) {
    assert.ok(!log.includes(secret), `the log must not contain ${secret.slice(0, 12)}...`);
  }
});
