/**
 * The embedded STS on its own, dialed by the SDK's STS client (nested-clients, AWS Query) with only a
 * region, through the redirect installed in this process: AssumeRole's validation and refusals as AWS
 * answers them, GetCallerIdentity, unsupported actions, and issued credentials that expire.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import sts from '@aws-sdk/nested-clients/sts';
import { InMemoryCredentialStore, type CredentialRecord } from '../../src/auth/credentials.js';
import { RolePolicies } from '../../src/auth/role-policy.js';
import { createLogger } from '../../src/log/logger.js';
import { cloudNames } from '../../src/rehearsal/names.js';
import { createPublicPki } from '../../src/rehearsal/pki.js';
import { installRedirect, parseHostMap } from '../../src/rehearsal/redirect.js';
import { defineRole } from '../../src/sts/roles.js';
import { StsService } from '../../src/sts/service.js';
import { startStsServer } from '../../src/sts/server.js';
import { systemRandom } from '../../src/util/clock.js';
import { globalTarget } from './helpers.js';

const target = globalTarget;
const names = cloudNames(target);
const ROLE = 'arn:aws:iam::000000000000:role/camlink-backend';
const OTHER = 'arn:aws:iam::000000000000:role/someone-else';
const LOCAL = {
  accessKeyId: 'AKIALOCALTESTKEY0001',
  secretAccessKey: 'local-secret-key-0000000000000000000000',
};

function bytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

/** SHA-256 / HMAC-SHA-256 for @smithy/signature-v4 from node:crypto. */
class Sha256 {
  private hash: Hash | Hmac;
  private readonly secret: string | Uint8Array | undefined;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret = typeof secret === 'string' || secret === undefined ? secret : bytes(secret);
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

class OffsetClock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

async function startSts(t: TestContext, maxSessionSeconds?: number) {
  const pki = await createPublicPki(target);
  const store = new InMemoryCredentialStore([LOCAL]);
  const roles = [
    defineRole({
      roleArn: ROLE,
      trustedPrincipals: ['arn:aws:iam::000000000000:root'],
      policies: [
        {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::camlink-media/*' }],
        },
      ],
      maxSessionDuration: 7200,
    }),
    defineRole({
      roleArn: OTHER,
      trustedPrincipals: ['arn:aws:iam::000000000000:user/somebody'],
      policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }],
    }),
  ];
  const policies = new RolePolicies();
  for (const role of roles) policies.define(role.roleArn, role.policies);
  const clock = new OffsetClock();
  const service = new StsService({
    roles,
    store,
    clock,
    random: systemRandom,
    account: '000000000000',
    partition: 'aws',
    localPrincipalArn: 'arn:aws:iam::000000000000:user/camlink-local',
    authorizeSession: (credential, action, arn) => policies.authorize(credential, action, arn),
    maxSessionSeconds,
  });
  const server = await startStsServer({
    service,
    host: '127.0.0.1',
    port: 0,
    region: target.region,
    tls: { key: Buffer.from(pki.publicServer.keyPem), cert: Buffer.from(pki.publicServer.certPem) },
    credentials: store,
    clock,
    logger: createLogger({ level: 'silent' }),
  });
  const uninstall = installRedirect(parseHostMap({ [`${names.sts}:443`]: new URL(server.url).host }));
  const agent = new https.Agent({ ca: pki.publicRoot.pem });
  t.after(async () => {
    uninstall();
    agent.destroy();
    await server.close();
  });
  const client = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
    new sts.STSClient({
      region: target.region,
      credentials,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpsAgent: agent }),
    });
  /** A signed Query request for any action (the nested client knows only AssumeRole*). */
  const raw = async (
    params: Record<string, string>,
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = LOCAL,
  ): Promise<{ status: number; body: string }> => {
    const body = new URLSearchParams(params).toString();
    const signer = new SignatureV4({ service: 'sts', region: target.region, credentials, sha256: Sha256 });
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'https:',
      hostname: names.sts,
      path: '/',
      headers: { host: names.sts, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
      query: {},
    });
    return await new Promise((resolve, reject) => {
      const req = https.request(
        { host: names.sts, port: 443, method: 'POST', path: '/', headers: signed.headers, agent },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  };
  return { store, clock, service, client, raw };
}

async function refusal(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected a refusal');
}

test('AssumeRole issues ASIA credentials held to the role, and validates as AWS does', async (t) => {
  const { client, store } = await startSts(t);
  const local = client(LOCAL);
  const out = await local.send(new sts.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'backend-1' }));
  assert.match(out.Credentials?.AccessKeyId ?? '', /^ASIA[A-Z2-7]{16}$/);
  assert.ok(out.Credentials?.SessionToken);
  assert.equal(out.AssumedRoleUser?.Arn, 'arn:aws:sts::000000000000:assumed-role/camlink-backend/backend-1');
  const expiresIn = (out.Credentials?.Expiration?.getTime() ?? 0) - Date.now();
  assert.ok(expiresIn > 3590_000 && expiresIn <= 3600_000, String(expiresIn));
  const record = store.lookup(out.Credentials?.AccessKeyId ?? '') as CredentialRecord;
  assert.equal(record.session?.roleArn, ROLE);
  assert.equal(record.sessionToken, out.Credentials?.SessionToken);

  const cases: [Record<string, unknown>, string, number][] = [
    [{ RoleArn: ROLE, RoleSessionName: 'x' }, 'ValidationError', 400],
    [{ RoleArn: ROLE, RoleSessionName: 'has space' }, 'ValidationError', 400],
    [{ RoleArn: ROLE, RoleSessionName: 'ok-name', DurationSeconds: 899 }, 'ValidationError', 400],
    [{ RoleArn: ROLE, RoleSessionName: 'ok-name', DurationSeconds: 7201 }, 'ValidationError', 400],
    [{ RoleArn: 'arn:short', RoleSessionName: 'ok-name' }, 'ValidationError', 400],
    [{ RoleArn: OTHER, RoleSessionName: 'ok-name' }, 'AccessDenied', 403],
    [{ RoleArn: 'arn:aws:iam::000000000000:role/missing', RoleSessionName: 'ok-name' }, 'AccessDenied', 403],
  ];
  for (const [input, name, status] of cases) {
    const got = await refusal(
      local.send(new sts.AssumeRoleCommand(input as unknown as sts.AssumeRoleCommandInput)),
    );
    assert.deepEqual(got, { name, status }, JSON.stringify(input));
  }
  // Within the role's MaxSessionDuration is fine.
  await local.send(
    new sts.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'long', DurationSeconds: 7200 }),
  );

  // A session of the role may not chain into it: its permission policy does not allow sts:AssumeRole.
  const session = client({
    accessKeyId: out.Credentials?.AccessKeyId ?? '',
    secretAccessKey: out.Credentials?.SecretAccessKey ?? '',
    sessionToken: out.Credentials?.SessionToken ?? '',
  });
  assert.deepEqual(
    await refusal(session.send(new sts.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'again' }))),
    { name: 'AccessDenied', status: 403 },
  );

  // Unknown keys are InvalidClientTokenId; unsigned requests MissingAuthenticationToken.
  assert.deepEqual(
    await refusal(
      client({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) }).send(
        new sts.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'nobody' }),
      ),
    ),
    { name: 'InvalidClientTokenId', status: 403 },
  );
});

test('GetCallerIdentity names the caller; other actions are refused with InvalidAction', async (t) => {
  const { client, raw } = await startSts(t);
  const me = await raw({ Action: 'GetCallerIdentity', Version: '2011-06-15' });
  assert.equal(me.status, 200);
  assert.match(me.body, /<Arn>arn:aws:iam::000000000000:user\/camlink-local<\/Arn>/);
  assert.match(me.body, /<Account>000000000000<\/Account>/);

  const out = await client(LOCAL).send(
    new sts.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'who-am-i' }),
  );
  const session = {
    accessKeyId: out.Credentials?.AccessKeyId ?? '',
    secretAccessKey: out.Credentials?.SecretAccessKey ?? '',
    sessionToken: out.Credentials?.SessionToken ?? '',
  };
  const them = await raw({ Action: 'GetCallerIdentity', Version: '2011-06-15' }, session);
  assert.match(them.body, /<Arn>arn:aws:sts::000000000000:assumed-role\/camlink-backend\/who-am-i<\/Arn>/);
  assert.match(them.body, /<UserId>AROA[A-Z2-7]+:who-am-i<\/UserId>/);

  for (const action of ['GetSessionToken', 'GetFederationToken', 'NoSuchThing']) {
    const refused = await raw({ Action: action, Version: '2011-06-15' });
    assert.equal(refused.status, 400, action);
    assert.match(refused.body, /<Code>InvalidAction<\/Code>/, action);
  }
  const noVersion = await raw({ Action: 'GetCallerIdentity' });
  assert.match(noVersion.body, /<Code>InvalidAction<\/Code>/);
});

test('sessions end at Expiration (ExpiredToken); sts.maxSessionSeconds caps what was asked', async (t) => {
  const { client, raw, clock } = await startSts(t, 5);
  const out = await client(LOCAL).send(
    new sts.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'short', DurationSeconds: 3600 }),
  );
  const expiresIn = (out.Credentials?.Expiration?.getTime() ?? 0) - Date.now();
  assert.ok(expiresIn <= 5000 && expiresIn > 3000, String(expiresIn));
  const session = {
    accessKeyId: out.Credentials?.AccessKeyId ?? '',
    secretAccessKey: out.Credentials?.SecretAccessKey ?? '',
    sessionToken: out.Credentials?.SessionToken ?? '',
  };
  assert.equal((await raw({ Action: 'GetCallerIdentity', Version: '2011-06-15' }, session)).status, 200);
  clock.offsetMs = 6000;
  const expired = await raw({ Action: 'GetCallerIdentity', Version: '2011-06-15' }, session);
  assert.equal(expired.status, 400);
  assert.match(expired.body, /<Code>ExpiredToken<\/Code>/);
});
