/**
 * Security matrix, logs: the platform runs at debug level with every line captured while the secrets
 * of a normal day and of failed attacks pass through it (bearer tokens, pre-signed URL signatures,
 * temporary credentials, private keys); none of them may appear in the captured log text.
 */
import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { rawRequest } from '../helpers/https.js';
import { surface } from './matrix.js';
import { cameraSession, securityWorld } from './world.js';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { sdkOptions } from '../helpers/aws.js';

const logs = surface('logs', 'Logs');
const sw = securityWorld();

function call(method: string, path: string, token: string, body?: unknown) {
  const { platform, world } = sw();
  return rawRequest(world.httpsAgent, `${platform.endpoints.api}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Asserts that none of `secrets` occurs in the captured log, which must not be empty. */
function absent(secrets: readonly string[]): string {
  const text = sw().logText();
  assert.ok(text.split('\n').length > 10, 'the platform logged at debug level');
  for (const secret of secrets) {
    assert.ok(secret.length >= 16, 'a secret worth looking for');
    assert.ok(!text.includes(secret), `a secret (${secret.slice(0, 4)}…) is in the log`);
  }
  return 'absent from the captured debug log';
}

logs.row(
  'logs-bearer-tokens',
  'user and operator bearer tokens, valid and revoked-looking, used on the API',
  'never logged',
  async () => {
    const w = sw();
    const operatorToken = (await readFile(w.platform.operatorTokenFile, 'utf8')).trim();
    const { token } = await w.world.operator.createUser('logs-user');
    assert.equal((await call('GET', '/v1/me', token.token)).status, 200);
    const forged = `${token.token.slice(0, -4)}AAAA`;
    assert.equal((await call('GET', '/v1/me', forged)).status, 401);
    assert.equal((await call('POST', '/v1/users', token.token, { name: 'x' })).status, 403);
    return absent([operatorToken, token.token, forged]);
  },
);

logs.row(
  'logs-presigned-signatures',
  'pre-signed upload URL signatures, used and tampered',
  'never logged',
  async () => {
    const w = sw();
    const { token } = await w.world.operator.createUser('logs-uploader');
    const camera = await w.world.provision('cam-logs');
    const challenge = await call('POST', '/v1/pairing/challenges', token.token, { deviceId: 'cam-logs' });
    const { challengeId, signingInput } = JSON.parse(challenge.body.toString()) as {
      challengeId: string;
      signingInput: string;
    };
    const signature = sign('sha256', Buffer.from(signingInput, 'base64'), camera.key).toString('base64');
    assert.equal((await call('POST', '/v1/pairing', token.token, { challengeId, signature })).status, 200);
    const issued = await call('POST', '/v1/devices/cam-logs/uploads', token.token, {
      contentType: 'image/jpeg',
      size: 5,
    });
    assert.equal(issued.status, 201, issued.body.toString());
    const { put } = JSON.parse(issued.body.toString()) as {
      put: { url: string; headers: Record<string, string> };
    };
    const urlSignature = new URL(put.url).searchParams.get('X-Amz-Signature') ?? '';
    const ok = await rawRequest(w.world.httpsAgent, put.url, {
      method: 'PUT',
      headers: put.headers,
      body: 'jpeg!',
    });
    assert.equal(ok.status, 200, ok.body.toString());
    const tamperedSignature = `${urlSignature.slice(0, -1)}${urlSignature.endsWith('0') ? '1' : '0'}`;
    const bad = await rawRequest(w.world.httpsAgent, put.url.replace(urlSignature, tamperedSignature), {
      method: 'PUT',
      headers: put.headers,
      body: 'jpeg!',
    });
    assert.equal(bad.status, 403);
    return absent([urlSignature, tamperedSignature, signature]);
  },
);

logs.row(
  'logs-session-credentials',
  "a camera's temporary credentials (secret key, session token), used and refused",
  'never logged',
  async (t) => {
    const w = sw();
    const session = await cameraSession(w, await w.world.provision('cam-logs-session'));
    const s3 = new S3Client({
      ...sdkOptions(w.platform.endpoints.s3, w.world.ca, session),
      forcePathStyle: true,
    });
    t.after(() => s3.destroy());
    const Bucket = w.config.backend.uploads.bucket;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'devices/cam-logs-session/a.jpg', Body: 'x' }));
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket, Key: 'devices/other/a.jpg', Body: 'x' })));
    return absent([session.secretAccessKey, session.sessionToken]);
  },
);

logs.row(
  'logs-private-keys',
  "device private keys and the platform's secret access key",
  'never logged',
  async () => {
    const w = sw();
    const camera = await w.world.provision('cam-logs-key');
    const keyBody = camera.keyPem
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('-----'))
      .join('');
    const keyLines = camera.keyPem.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'));
    return absent([keyBody, ...keyLines, w.platform.endpoints.credentials.secretAccessKey]);
  },
);

logs.done();
