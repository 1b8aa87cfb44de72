/**
 * backend.cos.credentialProcess: temporary COS keys printed by a command (Tencent STS JSON) feed the COS
 * presigner and the COS client; URLs carry the current x-cos-security-token, switch when the keys
 * rotate, never outlive them, and the embedded store accepts a temporary SecretId only with its token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createBackendServices } from '../../src/backend/cloud/services.js';
import { cosCredentialSource, parseStsCredentials } from '../../src/backend/cloud/cos-credentials.js';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import type { ServiceEndpoints } from '../../src/contracts/endpoints.js';
import { isCamlinkError } from '../../src/errors/camlink-error.js';
import { createCosPresigner } from '../../src/presign/cos.js';
import { FakeClock } from '../helpers/pki.js';
import { rawRequest, s3Code } from '../helpers/https.js';
import { startTestStore, type TestStore } from '../helpers/storage.js';
import { tempDir } from '../helpers/tmp.js';

interface StsOutput {
  Credentials: { TmpSecretId: string; TmpSecretKey: string; Token: string };
  ExpiredTime: number;
  Expiration: string;
}

/**
 * A credential process printing new STS keys valid `lifetime` seconds from the test clock's time
 * (passed through a file the test updates), `wrapped` in the API's Response object or bare as tccli.
 */
async function stsProcess(dir: string, clock: FakeClock, lifetime: number, wrapped: boolean) {
  const script = join(dir, 'sts.cjs');
  const log = join(dir, 'issued.jsonl');
  const now = join(dir, 'now');
  await writeFile(
    script,
    `const fs = require('node:fs');
const now = Number(fs.readFileSync(${JSON.stringify(now)}, 'utf8'));
const n = Math.random().toString(36).slice(2, 12);
const body = {
  Credentials: { TmpSecretId: 'AKIDtmp' + n + 'xxxxxxxx', TmpSecretKey: 'tmpkey' + n + 'yyyyyyyyyy', Token: 'token-' + n },
  ExpiredTime: Math.floor(now / 1000) + ${lifetime},
  Expiration: new Date(now + ${lifetime * 1000}).toISOString(),
  RequestId: 'req-' + n,
};
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(body) + '\\n');
process.stdout.write(JSON.stringify(${wrapped ? '{ Response: body }' : 'body'}));
`,
  );
  const tick = () => writeFile(now, String(clock.now().getTime()));
  await tick();
  return {
    argv: [process.execPath, script],
    tick,
    issued: async () =>
      (await readFile(log, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as StsOutput),
  };
}

/** Lets the store accept what the process issued, as Tencent STS would. */
function trustIssued(store: TestStore, issued: StsOutput[]): void {
  for (const sts of issued) {
    store.credentials.add({
      accessKeyId: sts.Credentials.TmpSecretId,
      secretAccessKey: sts.Credentials.TmpSecretKey,
      sessionToken: sts.Credentials.Token,
      expiresAt: new Date(sts.ExpiredTime * 1000),
    });
  }
}

test('COS URLs from a credentialProcess carry the current token, switch on rotation, and the store checks the token', async (t) => {
  const clock = new FakeClock(new Date(Math.floor(Date.now() / 1000) * 1000));
  const store = await startTestStore(t, { clock });
  await store.client().send(new CreateBucketCommand({ Bucket: 'media-1250000000' }));
  const proc = await stsProcess(await tempDir(t), clock, 600, true);
  const presigner = createCosPresigner({
    appId: '1250000000',
    region: 'ap-shanghai',
    endpoint: store.server.url,
    credentials: cosCredentialSource({ credentialProcess: proc.argv }, clock),
    clock,
  });
  const put = (url: string, body = 'photo') =>
    rawRequest(store.agent, url, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body });
  const presign = () =>
    presigner.presign({
      method: 'PUT',
      bucket: 'media',
      key: 'a.jpg',
      expiresInSeconds: 900,
      contentType: 'image/jpeg',
    });

  const first = await presign();
  let issued = await proc.issued();
  assert.equal(issued.length, 1, 'a forced refresh of keys just fetched reuses them');
  const firstKeys = issued[0]!;
  const u1 = new URL(first.url);
  assert.equal(u1.searchParams.get('q-ak'), firstKeys.Credentials.TmpSecretId);
  assert.equal(u1.searchParams.get('x-cos-security-token'), firstKeys.Credentials.Token);
  assert.ok(first.expiresAt.getTime() <= firstKeys.ExpiredTime * 1000, 'the URL ends before its keys');
  assert.ok(first.expiresAt.getTime() >= clock.now().getTime() + 500_000);

  trustIssued(store, issued);
  const noToken = first.url.replace(/&x-cos-security-token=[^&]*/, '');
  const refused = await put(noToken);
  assert.equal(refused.status, 400);
  assert.equal(s3Code(refused.body), 'InvalidToken', 'a temporary SecretId needs its token');
  assert.equal((await put(first.url)).status, 200);

  // 5 minutes before the keys expire (REFRESH_BEFORE_SECONDS) they are fetched again.
  clock.current = new Date(clock.current.getTime() + 301_000);
  await proc.tick();
  const second = await presign();
  issued = await proc.issued();
  assert.equal(issued.length, 2);
  const u2 = new URL(second.url);
  assert.equal(u2.searchParams.get('x-cos-security-token'), issued[1]!.Credentials.Token);
  assert.notEqual(u2.searchParams.get('q-ak'), u1.searchParams.get('q-ak'));
  trustIssued(store, issued);
  assert.equal((await put(second.url, 'photo 2')).status, 200);
  // The old token does not go with the new SecretId.
  const mixed = second.url.replace(
    /x-cos-security-token=[^&]*/,
    `x-cos-security-token=${encodeURIComponent(firstKeys.Credentials.Token)}`,
  );
  assert.equal(s3Code((await put(mixed)).body), 'InvalidToken');
  // The first URL ended before its keys did: refused once they expired.
  clock.current = new Date(firstKeys.ExpiredTime * 1000 + 1_000);
  assert.equal((await put(first.url)).status, 403);
});

test('the backend with backend.cos.credentialProcess: presigner and COS client use the process’s keys', async (t) => {
  const clock = new FakeClock(new Date(Math.floor(Date.now() / 1000) * 1000));
  // The COS client signs its S3-compatible calls (SigV4) for the COS region.
  const store = await startTestStore(t, { clock, region: 'ap-shanghai' });
  await store
    .client({ region: 'ap-shanghai' })
    .send(new CreateBucketCommand({ Bucket: 'camlink-media-1250000000' }));
  const dir = await tempDir(t);
  const proc = await stsProcess(dir, clock, 3_600, false);
  const caPath = join(dir, 'ca.pem');
  await writeFile(caPath, store.ca);
  const endpoints: ServiceEndpoints = {
    mqtt: 'mqtts://127.0.0.1:8883',
    iot: store.server.url,
    s3: store.server.url,
    sqs: store.server.url,
    uploadQueueUrl: `${store.server.url}/000000000000/camlink-uploads`,
    credentials: {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      profile: 'camlink-local',
      sharedCredentialsFile: join(dir, 'credentials'),
    },
    caPath,
    partition: 'aws',
    region: 'us-east-1',
    accountId: '000000000000',
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
  const identity = join(dir, 'data', 'backend');
  await mkdir(identity, { recursive: true });
  await writeFile(join(identity, 'camlink-backend.cert.pem'), 'cert');
  await writeFile(join(identity, 'camlink-backend.key.pem'), 'key');
  const config = configSchema.parse({
    dataDir: join(dir, 'data'),
    backend: {
      presigner: 'cos',
      cos: {
        appId: '1250000000',
        region: 'ap-shanghai',
        credentialProcess: proc.argv,
        endpoint: store.server.url,
      },
    },
  } satisfies ConfigInput);
  const services = await createBackendServices(config, { endpoints, clock });
  t.after(() => services.close());
  const put = await services.presigner.presign({
    method: 'PUT',
    bucket: 'camlink-media',
    key: 'cam-1/a.jpg',
    expiresInSeconds: 300,
    contentType: 'image/jpeg',
  });
  const issued = await proc.issued();
  assert.equal(new URL(put.url).searchParams.get('x-cos-security-token'), issued[0]!.Credentials.Token);
  trustIssued(store, issued);
  const up = await rawRequest(store.agent, put.url, { method: 'PUT', headers: put.headers, body: 'jpeg' });
  assert.equal(up.status, 200);
  // HEAD through COS's S3-compatible API, signed with the same temporary keys (token as session token).
  const head = await services.objects.head('camlink-media', 'cam-1/a.jpg');
  assert.equal(head?.size, 4);
  assert.equal((await proc.issued()).length, 1, 'one run serves the presigner and the client');
});

test('credential process output: STS JSON with or without Response; failures are CREDENTIAL_PROCESS_FAILED without the output', async (t) => {
  const body = {
    Credentials: { TmpSecretId: 'AKIDexampletmp000001', TmpSecretKey: 'exampletmpkey0000001', Token: 'tok' },
    ExpiredTime: 1_800_000_000,
    Expiration: '2027-01-15T08:00:00Z',
  };
  for (const text of [JSON.stringify(body), JSON.stringify({ Response: { ...body, RequestId: 'r' } })]) {
    const keys = parseStsCredentials(text);
    assert.equal(keys.secretId, 'AKIDexampletmp000001');
    assert.equal(keys.securityToken, 'tok');
    assert.equal(keys.expiration?.getTime(), 1_800_000_000_000);
  }
  const isoOnly = { Credentials: body.Credentials, Expiration: body.Expiration };
  assert.equal(
    parseStsCredentials(JSON.stringify(isoOnly)).expiration?.toISOString(),
    '2027-01-15T08:00:00.000Z',
  );
  for (const bad of ['not json', '{}', JSON.stringify({ Credentials: body.Credentials })]) {
    assert.throws(
      () => parseStsCredentials(bad),
      (err) => isCamlinkError(err, 'CREDENTIAL_PROCESS_FAILED'),
    );
  }
  const dir = await tempDir(t);
  const failing = join(dir, 'fail.cjs');
  await writeFile(failing, "process.stdout.write('TmpSecretKey=leaked-secret'); process.exit(3);");
  const clock = new FakeClock(new Date());
  await assert.rejects(
    cosCredentialSource({ credentialProcess: [process.execPath, failing] }, clock)(),
    (err) =>
      isCamlinkError(err, 'CREDENTIAL_PROCESS_FAILED') &&
      /status 3/.test(err.message) &&
      !err.message.includes('leaked-secret'),
  );
  await assert.rejects(
    cosCredentialSource({ credentialProcess: [join(dir, 'no-such-command')] }, clock)(),
    (err) => isCamlinkError(err, 'CREDENTIAL_PROCESS_FAILED') && /ENOENT/.test(err.message),
  );
});
