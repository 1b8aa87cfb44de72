/**
 * `camlink backend` as users run it: a real process on a free port, HTTPS or --dev-http, SIGTERM -> 0,
 * next to a running embedded platform (its endpoints.json in the same data dir).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { readFile, stat, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { CAMLINK_BIN, cli, errorCodeOf } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import {
  announceUpload,
  deviceKeyAndCsr,
  signChallenge,
  type ChallengeBody,
} from '../helpers/backend-devices.js';
import { connectMqtt } from '../helpers/endpoint.js';
import { rawRequest } from '../helpers/https.js';
import { startTestPlatform } from '../helpers/platform.js';

type Child = ChildProcessByStdio<null, Readable, Readable>;

function startBackend(
  t: TestContext,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ child: Child; url: string; stdout: () => string }> {
  const child = spawn(
    process.execPath,
    [CAMLINK_BIN, 'backend', '--port', '0', '--log-level', 'warn', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    },
  );
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const url = /listening (\S+)\n/.exec(stdout)?.[1];
      if (url !== undefined) resolve({ child, url, stdout: () => stdout });
    });
    child.once('exit', (code) => reject(new Error(`camlink backend exited ${code}: ${stdout}${stderr}`)));
  });
}

async function stop(child: Child): Promise<number | null> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}

async function platformIn(t: TestContext, dataDir: string): Promise<void> {
  // The standalone backend answers MQTT; the platform's embedded one stays off MQTT (one session per identity).
  await startTestPlatform(t, dataDir, { extra: { backend: { mqttSession: false } } });
}

test('camlink backend --dev-http serves /healthz on a free loopback port and stops on SIGTERM', async (t) => {
  const dataDir = await tempDir(t);
  await platformIn(t, dataDir);
  const { child, url, stdout } = await startBackend(t, ['--data-dir', dataDir, '--dev-http']);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const health = await fetch(`${url}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok', store: 'sqlite' });
  const tokenFile = join(dataDir, 'operator-token');
  assert.equal((await stat(tokenFile)).mode & 0o777, 0o600);
  const token = (await readFile(tokenFile, 'utf8')).trim();
  assert.ok(!stdout().includes(token), 'the token is not printed');
  const me = await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  assert.deepEqual(((await me.json()) as { kind: string }).kind, 'operator');
  assert.equal(await stop(child), 0);
  await stat(join(dataDir, 'backend.db'));
});

test('camlink backend serves HTTPS with the endpoint certificate', async (t) => {
  const dataDir = await tempDir(t);
  await platformIn(t, dataDir);
  const ca = await readFile(join(dataDir, 'pki', 'ca.cert.pem'));
  const { child, url } = await startBackend(t, ['--data-dir', dataDir]);
  assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const body = await new Promise<string>((resolve, reject) => {
    https
      .get(`${url}/healthz`, { ca }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
  assert.deepEqual(JSON.parse(body), { status: 'ok', store: 'sqlite' });
  assert.equal(await stop(child), 0);
});

test('camlink backend refuses to start without a certificate unless --dev-http, and bad flags', async (t) => {
  const dataDir = await tempDir(t);
  const noCert = await cli(['backend', '--data-dir', dataDir, '--port', '0']);
  assert.equal(noCert.code, 1);
  assert.equal(errorCodeOf(noCert), 'FILE_UNREADABLE');
  assert.match(noCert.stderr, /--dev-http/);
  const noPlatform = await cli(['backend', '--data-dir', dataDir, '--port', '0', '--dev-http']);
  assert.equal(noPlatform.code, 1);
  assert.equal(errorCodeOf(noPlatform), 'FILE_UNREADABLE');
  assert.match(noPlatform.stderr, /camlink up/);
  const badPort = await cli(['backend', '--data-dir', dataDir, '--port', '70000']);
  assert.equal(errorCodeOf(badPort), 'CLI_USAGE');
  const open = await cli(['backend', '--data-dir', dataDir, '--dev-http', '--host', '0.0.0.0']);
  assert.equal(errorCodeOf(open), 'CLI_USAGE');
  const help = await cli(['backend', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--dev-http/);
});

test('camlink backend configured for AWS (backend.aws, a profile, endpoint overrides) provisions, presigns and reconciles', async (t) => {
  // The platform plays AWS; its own backend is off the queue. The standalone backend finds the services
  // only through backend.aws, credentials through the shared-credentials profile, trust through the
  // system store (NODE_EXTRA_CA_CERTS), exactly as against AWS.
  const platformDir = await tempDir(t);
  const { platform } = await startTestPlatform(t, platformDir, {
    extra: { backend: { reconciler: { enabled: false }, mqttSession: false } },
  });
  const e = platform.endpoints;
  const dataDir = await tempDir(t);
  const configFile = join(dataDir, 'camlink.json');
  await writeFile(
    configFile,
    JSON.stringify({
      backend: {
        aws: {
          region: e.region,
          partition: e.partition,
          uploadQueueUrl: e.uploadQueueUrl,
          s3Endpoint: e.s3,
          sqsEndpoint: e.sqs,
          iotEndpoint: e.iot,
          profile: e.credentials.profile,
        },
        reconciler: { waitTimeSeconds: 1 },
      },
    }),
  );
  const env = {
    ...process.env,
    AWS_SHARED_CREDENTIALS_FILE: e.credentials.sharedCredentialsFile,
    AWS_CONFIG_FILE: join(dataDir, 'no-aws-config'),
    NODE_EXTRA_CA_CERTS: e.caPath,
  };
  const { child, url } = await startBackend(
    t,
    ['--data-dir', dataDir, '--config', configFile, '--dev-http'],
    env,
  );
  const operator = (await readFile(join(dataDir, 'operator-token'), 'utf8')).trim();
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as Record<string, unknown>;
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const cam = await deviceKeyAndCsr('CN=cam-aws');
  const provisioned = (await call('POST', '/v1/devices/provision', operator, {
    deviceId: 'cam-aws',
    csr: cam.csr,
  })) as {
    certificatePem: string;
  };
  // Pair a user (proof of possession) so the recorded upload has someone to tell.
  const alice = (await call('POST', '/v1/users', operator, { name: 'Alice' })) as {
    token: { token: string };
  };
  const userToken = alice.token.token;
  const challenge = (await call('POST', '/v1/pairing/challenges', userToken, {
    deviceId: 'cam-aws',
  })) as unknown as ChallengeBody;
  await call('POST', '/v1/pairing', userToken, {
    challengeId: challenge.challengeId,
    signature: signChallenge(challenge, cam.key),
  });
  const issued = (await call('POST', '/v1/devices/cam-aws/uploads', operator, {
    contentType: 'image/jpeg',
  })) as {
    uploadId: string;
    bucket: string;
    key: string;
    url: string;
    put: { url: string; headers: Record<string, string> };
  };
  assert.ok(issued.put.url.startsWith(`${e.s3}/camlink-media/devices/cam-aws/`), issued.put.url);
  const ca = await readFile(e.caPath);
  const agent = new https.Agent({ ca });
  t.after(() => agent.destroy());
  const photo = Buffer.from('bytes through a backend configured for AWS');
  const put = await rawRequest(agent, issued.put.url, {
    method: 'PUT',
    headers: issued.put.headers,
    body: photo,
  });
  assert.equal(put.status, 200, put.body.toString());

  // The camera announces; the standalone backend's reconciler (SQS endpoint override) records it.
  const camera = await connectMqtt(e.mqtt, {
    clientId: 'cam-aws',
    key: cam.keyPem,
    cert: provisioned.certificatePem,
    ca,
    servername: 'localhost',
  });
  t.after(() => camera.end(true));
  const events = await fetch(`${url}/v1/events`, { headers: { authorization: `Bearer ${userToken}` } });
  assert.equal(events.status, 200);
  const reader = events.body?.getReader();
  assert.ok(reader);
  await announceUpload(camera, 'cam-aws', issued, photo);
  let text = '';
  while (!text.includes('event: upload.completed')) {
    const chunk = await reader.read();
    assert.ok(!chunk.done, 'the event stream ended before the upload was recorded');
    text += Buffer.from(chunk.value).toString();
  }
  await reader.cancel();
  const listed = (await call('GET', '/v1/devices/cam-aws/uploads', userToken)) as {
    uploads: { status: string }[];
  };
  assert.deepEqual(
    listed.uploads.map((u) => u.status),
    ['done'],
  );
  assert.equal(await stop(child), 0);
});
