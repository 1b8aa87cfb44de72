/**
 * The backend's cloud credentials (src/backend/cloud/services.ts): the S3 presigner follows the SDK's
 * refreshing provider (a credential_process profile whose keys live 60 s), backend.cos accepts a
 * credentialProcess (exactly one key source), an incomplete cloud target is refused instead of falling
 * back to the embedded platform, and a config path written from the working directory gets a hint.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { backendIdentityPaths, createBackendServices } from '../../src/backend/cloud/services.js';
import { loadConfig } from '../../src/config/load.js';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import type { ServiceEndpoints } from '../../src/contracts/endpoints.js';
import { isCamlinkError } from '../../src/errors/camlink-error.js';
import { systemClock } from '../../src/util/clock.js';
import { tempDir } from '../helpers/tmp.js';

const AWS_ENV = [
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
] as const;

/** Sets AWS_* variables for one test and restores them after it. */
function awsEnv(t: TestContext, values: Partial<Record<(typeof AWS_ENV)[number], string>>): void {
  const saved = AWS_ENV.map((name) => [name, process.env[name]] as const);
  for (const name of AWS_ENV) delete process.env[name];
  Object.assign(process.env, values);
  t.after(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}

interface Issued {
  AccessKeyId: string;
  SessionToken: string;
  Expiration: string;
}

/**
 * A credential_process that prints new keys valid 120 s on every run and logs what it issued. The SDK
 * refreshes keys that expire within 5 minutes, so these are always due for a refresh.
 */
async function rotatingProcess(dir: string): Promise<{ command: string; issued: () => Promise<Issued[]> }> {
  const script = join(dir, 'credential-process.cjs');
  const log = join(dir, 'issued.jsonl');
  await writeFile(
    script,
    `const fs = require('node:fs');
const id = 'ASIA' + String(process.pid).padStart(8, '0') + Math.random().toString(36).slice(2, 10).toUpperCase();
const out = {
  Version: 1,
  AccessKeyId: id,
  SecretAccessKey: 'process-secret-' + id,
  SessionToken: 'process-token-' + id,
  Expiration: new Date(Date.now() + 120000).toISOString(),
};
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(out) + '\\n');
process.stdout.write(JSON.stringify(out));
`,
  );
  return {
    command: `"${process.execPath}" "${script}"`,
    issued: async () =>
      (await readFile(log, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Issued),
  };
}

test('backend.aws.profile with a credential_process: each upload URL is signed with the provider’s current keys and ends before them', async (t) => {
  const dir = await tempDir(t);
  const proc = await rotatingProcess(dir);
  const configFile = join(dir, 'config');
  await writeFile(configFile, `[profile rotating]\ncredential_process = ${proc.command}\n`);
  await writeFile(join(dir, 'credentials'), '');
  awsEnv(t, { AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') });
  const config = configSchema.parse({
    dataDir: join(dir, 'data'),
    backend: {
      aws: {
        region: 'us-east-1',
        uploadQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/camlink-uploads',
        profile: 'rotating',
      },
    },
  } satisfies ConfigInput);
  // Real time (the SDK and the process use it) that the test moves on by 31 s between the two URLs: the
  // presigner forces a refresh at most every 30 s by its clock.
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };
  const services = await createBackendServices(config, { clock });
  t.after(() => services.close());

  const urls = [];
  for (const key of ['a.jpg', 'b.jpg']) {
    if (key === 'b.jpg') offsetMs += 31_000;
    const put = await services.presigner.presign({
      method: 'PUT',
      bucket: 'camlink-media',
      key,
      expiresInSeconds: 900,
      contentType: 'image/jpeg',
    });
    urls.push(put);
  }
  const issued = await proc.issued();
  const keyOf = (url: string) =>
    (new URL(url).searchParams.get('X-Amz-Credential') ?? '').split('/')[0] ?? '';
  const [first, second] = urls.map((u) => u.url).map(keyOf);
  assert.notEqual(first, second, 'the second URL is signed with keys fetched after the first');
  for (const put of urls) {
    const creds = issued.find((c) => c.AccessKeyId === keyOf(put.url));
    assert.ok(creds, `signed with keys the credential process issued (${issued.length} runs)`);
    assert.equal(new URL(put.url).searchParams.get('X-Amz-Security-Token'), creds.SessionToken);
    assert.ok(
      put.expiresAt.getTime() <= Date.parse(creds.Expiration),
      `the URL (until ${put.expiresAt.toISOString()}) ends before its keys (${creds.Expiration})`,
    );
  }
});

const COS = { appId: '1250000000', region: 'ap-shanghai' };
const KEYS = { secretId: 'AKIDexampleSecretId0001', secretKey: 'exampleSecretKey0000001' };

test('backend.cos: credentialProcess is accepted; exactly one of secretId+secretKey or credentialProcess', async (t) => {
  const dir = await tempDir(t);
  const load = async (cos: Record<string, unknown>) => {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, JSON.stringify({ backend: { presigner: 'cos', cos: { ...COS, ...cos } } }));
    return loadConfig({ file, env: {} });
  };
  const loaded = await load({ credentialProcess: ['tccli', 'sts', 'AssumeRole', '--RoleArn', 'x'] });
  assert.deepEqual(loaded.backend.cos?.credentialProcess, ['tccli', 'sts', 'AssumeRole', '--RoleArn', 'x']);
  assert.equal(
    (await load({ ...KEYS, securityToken: 'static-token' })).backend.cos?.securityToken,
    'static-token',
  );
  for (const bad of [
    { ...KEYS, credentialProcess: ['tccli'] },
    {},
    { secretId: KEYS.secretId },
    { credentialProcess: ['tccli'], securityToken: 'x' },
    { credentialProcess: [] },
  ]) {
    await assert.rejects(
      load(bad),
      (err) => isCamlinkError(err, 'CONFIG_INVALID') && /backend\.cos/.test(err.message),
      JSON.stringify(bad),
    );
  }
});

/** Embedded endpoints and backend identity files, as if `camlink up` ran in `dataDir`. */
async function embeddedPlatform(dataDir: string): Promise<ServiceEndpoints> {
  const identity = backendIdentityPaths(dataDir);
  await mkdir(join(dataDir, 'backend'), { recursive: true });
  await writeFile(identity.certPath, 'cert');
  await writeFile(identity.keyPath, 'key');
  await writeFile(join(dataDir, 'ca.pem'), 'ca');
  const endpoints: ServiceEndpoints = {
    mqtt: 'mqtts://127.0.0.1:8883',
    iot: 'https://127.0.0.1:8443',
    s3: 'https://127.0.0.1:9000',
    sqs: 'https://127.0.0.1:9324',
    uploadQueueUrl: 'https://127.0.0.1:9324/000000000000/camlink-uploads',
    credentials: {
      accessKeyId: 'AKIAEMBEDDED00000000',
      secretAccessKey: 'embedded-secret-key-0000000000',
      profile: 'camlink-local',
      sharedCredentialsFile: join(dataDir, 'credentials'),
    },
    caPath: join(dataDir, 'ca.pem'),
    partition: 'aws',
    region: 'us-east-1',
    accountId: '000000000000',
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
  await writeFile(
    join(dataDir, 'endpoints.json'),
    JSON.stringify({ ...endpoints, api: 'https://127.0.0.1:8080' }),
  );
  return endpoints;
}

test('real COS without backend.aws is refused at start (no silent fallback to the embedded platform); COS on a local endpoint stays allowed', async (t) => {
  const dataDir = await tempDir(t);
  const endpoints = await embeddedPlatform(dataDir);
  const cloud = configSchema.parse({
    dataDir,
    backend: { presigner: 'cos', cos: { ...COS, ...KEYS } },
  } satisfies ConfigInput);
  for (const options of [{ clock: systemClock }, { clock: systemClock, endpoints }]) {
    await assert.rejects(
      createBackendServices(cloud, options),
      (err) =>
        isCamlinkError(err, 'CONFIG_INVALID') &&
        /backend\.aws/.test(err.message) &&
        /uploadQueueUrl/.test(err.message) &&
        /mqttUrl/.test(err.message),
    );
  }
  const local = configSchema.parse({
    dataDir,
    backend: { presigner: 'cos', cos: { ...COS, ...KEYS, endpoint: 'https://127.0.0.1:9000' } },
  } satisfies ConfigInput);
  const services = await createBackendServices(local, { clock: systemClock, endpoints });
  services.close();
});

test('a missing MQTT cert path written from the working directory says paths are relative to the data dir', async (t) => {
  const root = await tempDir(t);
  const dataDir = join(root, '.camlink');
  await mkdir(dataDir);
  const base = {
    region: 'us-east-1',
    uploadQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/camlink-uploads',
    mqttUrl: 'mqtts://example-ats.iot.us-east-1.amazonaws.com:8883',
  };
  const withPaths = (cert: string, key: string) =>
    configSchema.parse({
      dataDir,
      backend: { aws: { ...base, mqttCertFile: cert, mqttKeyFile: key } },
    } satisfies ConfigInput);
  await assert.rejects(
    createBackendServices(
      withPaths('.camlink/devices/backend.cert.pem', '.camlink/devices/backend.key.pem'),
      {
        clock: systemClock,
      },
    ),
    (err) =>
      isCamlinkError(err, 'FILE_UNREADABLE') &&
      err.message.includes('relative to the data dir') &&
      err.message.includes('"devices/backend.cert.pem"'),
  );
  await assert.rejects(
    createBackendServices(withPaths('devices/backend.cert.pem', 'devices/backend.key.pem'), {
      clock: systemClock,
    }),
    (err) => isCamlinkError(err, 'FILE_UNREADABLE') && !err.message.includes('relative to the data dir'),
  );
  assert.equal(basename(dataDir), '.camlink');
});
