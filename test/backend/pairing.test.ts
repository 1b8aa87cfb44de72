/**
 * Operator provisioning through the IoT API and pairing with proof of possession, end to end through
 * real peers: the embedded IoT API (via the AWS SDK), its MQTT endpoint (MQTT.js over mutual TLS) and
 * JITP, on SQLite and PostgreSQL. Every refusal is a coded 4xx that changes nothing but what docs/pairing.md
 * says it changes (a wrong signature spends its challenge).
 */
import assert from 'node:assert/strict';
import { createPrivateKey, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { DescribeThingCommand, IoTClient, ListThingsCommand } from '@aws-sdk/client-iot';
import type { LightMyRequestResponse } from 'fastify';
import { pairingSigningInput } from '../../src/contracts/pairing.js';
import { pkiContext } from '../../src/pki/context.js';
import { createDevice } from '../../src/pki/device.js';
import { x509 } from '../../src/pki/x509.js';
import { MAX_OPEN_CHALLENGES_PER_USER } from '../../src/backend/pairing/service.js';
import { sdkOptions } from '../helpers/aws.js';
import { backendTest, errorCode, type TestBackend } from '../helpers/backend-app.js';
import { connectMqtt, nextMessage } from '../helpers/endpoint.js';
import {
  challenge,
  deviceKeyAndCsr,
  provision,
  rsa2048,
  signChallenge,
  type ChallengeBody,
  type DeviceBody,
} from '../helpers/backend-devices.js';

/** The CSR with the last byte of its self-signature changed: still PKCS#10, no longer signed. */
function tamperSignature(csrPem: string): string {
  const der = Buffer.from(csrPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0x01;
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return ['-----BEGIN CERTIFICATE REQUEST-----', ...lines, '-----END CERTIFICATE REQUEST-----', ''].join(
    '\n',
  );
}

function pairCall(b: TestBackend, token: string, body: unknown): Promise<LightMyRequestResponse> {
  return b.call('POST', '/v1/pairing', { token, body });
}

function iotClient(t: TestContext, b: TestBackend, ca: Buffer): IoTClient {
  const iot = new IoTClient(sdkOptions(b.platform.endpoints.iot, ca, b.platform.endpoints.credentials));
  t.after(() => iot.destroy());
  return iot;
}

function assertRefused(res: LightMyRequestResponse, status: number, code: string, what: string): void {
  assert.equal(res.statusCode, status, `${what}: ${res.body}`);
  assert.equal(errorCode(res), code, what);
}

backendTest(
  'provision from a CSR, connect with the certificate, pair with a signature, list the device',
  async (t, b) => {
    const ca = await readFile(b.platform.endpoints.caPath);
    const cam = await provision(b, 'cam-1');
    assert.match(cam.device.certificateId ?? '', /^[0-9a-f]{64}$/);
    assert.equal(cam.device.deviceId, 'cam-1');
    assert.match(cam.certificateArn, new RegExp(`:cert/${cam.device.certificateId}$`));
    const cert = new x509.X509Certificate(cam.certificatePem);
    assert.equal(cert.subjectName.getField('CN')[0], 'cam-1');
    assert.equal((await b.store.findDevice('cam-1'))?.certificateId, cam.device.certificateId);
    const iot = iotClient(t, b, ca);
    assert.equal((await iot.send(new DescribeThingCommand({ thingName: 'cam-1' }))).thingName, 'cam-1');

    // The certificate works on the MQTT endpoint: connect as the thing, publish and receive its status.
    const client = await connectMqtt(b.platform.endpoints.mqtt, {
      protocolVersion: 4,
      clientId: 'cam-1',
      key: cam.keyPem,
      cert: cam.certificatePem,
      ca,
      servername: 'localhost',
    });
    t.after(() => client.end(true));
    await client.subscribeAsync('camlink/devices/cam-1/status', { qos: 1 });
    const echoed = nextMessage(client, 'camlink/devices/cam-1/status');
    await client.publishAsync('camlink/devices/cam-1/status', 'online', { qos: 1 });
    assert.equal((await echoed).toString(), 'online');

    const alice = await b.user('alice');
    const c = await challenge(b, alice.token, 'cam-1');
    assert.equal(c.deviceId, 'cam-1');
    assert.match(c.challengeId, /^[A-Za-z0-9_-]{16,64}$/);
    assert.match(c.nonce, /^[A-Za-z0-9_-]{43}$/);
    const ttl = b.config.backend.pairing.challengeTtlSeconds * 1000;
    assert.equal(c.expiresAt, new Date(b.clock.now().getTime() + ttl).toISOString());
    assert.deepEqual(
      Buffer.from(c.signingInput, 'base64'),
      pairingSigningInput({ deviceId: 'cam-1', challengeId: c.challengeId, nonce: c.nonce }),
    );

    const paired = await pairCall(b, alice.token, {
      challengeId: c.challengeId,
      signature: signChallenge(c, cam.key),
    });
    assert.equal(paired.statusCode, 200, paired.body);
    assert.deepEqual(paired.json(), { device: cam.device, pairedAt: b.clock.now().toISOString() });
    const list = await b.call('GET', '/v1/devices', { token: alice.token });
    // The list adds presence (this backend runs no MQTT session: unknown) and the certificate's state.
    type Listed = DeviceBody & { presence?: unknown; certificate?: unknown };
    const [listed, ...others] = list.json<{ devices: Listed[] }>().devices;
    assert.deepEqual(others, []);
    assert.ok(listed);
    const { presence, certificate, ...stored } = listed;
    assert.deepEqual(stored, cam.device);
    assert.deepEqual(presence, { state: 'unknown', since: null });
    assert.equal((certificate as { status?: string } | undefined)?.status, 'ACTIVE');
    assert.equal(
      (certificate as { certificateId?: string } | undefined)?.certificateId,
      cam.device.certificateId,
    );
    const one = await b.call('GET', '/v1/devices/cam-1', { token: alice.token });
    assert.equal(one.json<{ pairedAt: string }>().pairedAt, b.clock.now().toISOString());
  },
);

backendTest('provisioning refuses users, bad ids and bad CSRs, and changes nothing', async (t, b) => {
  const ca = await readFile(b.platform.endpoints.caPath);
  const iot = iotClient(t, b, ca);
  const thingsBefore = (await iot.send(new ListThingsCommand({}))).things?.length;
  const alice = await b.user('alice');
  const good = await deviceKeyAndCsr('CN=cam-2');
  const before = await b.store.countRows();
  const otherCn = await deviceKeyAndCsr('CN=cam-3');
  const twoCns = await deviceKeyAndCsr('CN=cam-2, CN=cam-2x');
  const badCn = await deviceKeyAndCsr('CN=cam/2');
  const tampered = tamperSignature(good.csr);
  assert.notEqual(tampered, good.csr);
  const cases: [string, unknown, string | undefined, number, string][] = [
    ['user token', { deviceId: 'cam-2', csr: good.csr }, alice.token, 403, 'FORBIDDEN'],
    ['no token', { deviceId: 'cam-2', csr: good.csr }, undefined, 401, 'AUTH_REQUIRED'],
    ['bad device id', { deviceId: 'cam/2', csr: good.csr }, b.operatorToken, 400, 'DEVICE_ID_INVALID'],
    ['not PEM', { deviceId: 'cam-2', csr: 'hello' }, b.operatorToken, 400, 'PKI_PEM_MALFORMED'],
    ['CN is another id', { deviceId: 'cam-2', csr: otherCn.csr }, b.operatorToken, 400, 'PKI_CSR_MALFORMED'],
    ['two CNs', { deviceId: 'cam-2', csr: twoCns.csr }, b.operatorToken, 400, 'PKI_CSR_MALFORMED'],
    ['CN not a thing name', { deviceId: 'cam-2', csr: badCn.csr }, b.operatorToken, 400, 'DEVICE_ID_INVALID'],
    ['tampered CSR', { deviceId: 'cam-2', csr: tampered }, b.operatorToken, 400, 'PKI_CSR_BAD_SIGNATURE'],
    ['CSR too long', { deviceId: 'cam-2', csr: 'x'.repeat(8193) }, b.operatorToken, 400, 'VALIDATION_FAILED'],
    ['unknown key', { deviceId: 'cam-2', csr: good.csr, x: 1 }, b.operatorToken, 400, 'VALIDATION_FAILED'],
    ['no csr', { deviceId: 'cam-2' }, b.operatorToken, 400, 'VALIDATION_FAILED'],
  ];
  for (const [what, body, token, status, code] of cases) {
    const res = await b.call('POST', '/v1/devices/provision', { body, ...(token ? { token } : {}) });
    assertRefused(res, status, code, what);
  }
  assert.deepEqual(await b.store.countRows(), before);
  assert.equal((await iot.send(new ListThingsCommand({}))).things?.length, thingsBefore, 'no thing was made');
});

backendTest(
  're-provisioning replaces the certificate the backend pairs against; RSA keys pair too',
  async (_t, b) => {
    const first = await provision(b, 'cam-r');
    const second = await provision(b, 'cam-r', rsa2048);
    assert.notEqual(second.device.certificateId, first.device.certificateId);
    assert.equal((await b.store.findDevice('cam-r'))?.certificateId, second.device.certificateId);
    const alice = await b.user('alice');
    const c1 = await challenge(b, alice.token, 'cam-r');
    const old = await pairCall(b, alice.token, {
      challengeId: c1.challengeId,
      signature: signChallenge(c1, first.key),
    });
    assertRefused(old, 403, 'PAIRING_SIGNATURE_INVALID', 'the replaced key');
    const c2 = await challenge(b, alice.token, 'cam-r');
    const ok = await pairCall(b, alice.token, {
      challengeId: c2.challengeId,
      signature: signChallenge(c2, second.key),
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal((await b.store.findDeviceOwner('cam-r'))?.userId, alice.id);
  },
);

backendTest('challenges: users only, own or unpaired devices only, a bounded number open', async (_t, b) => {
  const cam = await provision(b, 'cam-c');
  await provision(b, 'cam-d');
  const alice = await b.user('alice');
  const bob = await b.user('bob');
  // Bob pairs cam-c.
  const c = await challenge(b, bob.token, 'cam-c');
  assert.equal(
    (await pairCall(b, bob.token, { challengeId: c.challengeId, signature: signChallenge(c, cam.key) }))
      .statusCode,
    200,
  );

  const before = await b.store.countRows();
  const cases: [string, unknown, string, number, string][] = [
    ['unknown device', { deviceId: 'cam-zz' }, alice.token, 404, 'NOT_FOUND'],
    ["another user's device", { deviceId: 'cam-c' }, alice.token, 404, 'NOT_FOUND'],
    ['already paired to the caller', { deviceId: 'cam-c' }, bob.token, 409, 'CONFLICT'],
    ['operator token', { deviceId: 'cam-d' }, b.operatorToken, 403, 'FORBIDDEN'],
    ['bad device id', { deviceId: 'cam/d' }, alice.token, 400, 'DEVICE_ID_INVALID'],
    ['unknown key', { deviceId: 'cam-d', userId: bob.id }, alice.token, 400, 'VALIDATION_FAILED'],
    ['no device id', {}, alice.token, 400, 'VALIDATION_FAILED'],
    ['malformed JSON', '{"deviceId":', alice.token, 400, 'VALIDATION_FAILED'],
  ];
  for (const [what, body, token, status, code] of cases) {
    assertRefused(await b.call('POST', '/v1/pairing/challenges', { token, body }), status, code, what);
  }
  assert.deepEqual(await b.store.countRows(), before);

  for (let i = 0; i < MAX_OPEN_CHALLENGES_PER_USER; i++) await challenge(b, alice.token, 'cam-d');
  const during = await b.store.countRows();
  const tooMany = await b.call('POST', '/v1/pairing/challenges', {
    token: alice.token,
    body: { deviceId: 'cam-d' },
  });
  assertRefused(tooMany, 429, 'PAIRING_TOO_MANY_CHALLENGES', 'open challenges');
  assert.deepEqual(await b.store.countRows(), during);
  // Bob is not limited by Alice's challenges, and Alice again once hers have expired.
  await challenge(b, bob.token, 'cam-d');
  b.clock.advance(b.config.backend.pairing.challengeTtlSeconds * 1000);
  await challenge(b, alice.token, 'cam-d');
});

backendTest('bad pairing attempts are coded 4xx and link nothing', async (_t, b) => {
  const cam = await provision(b, 'cam-p');
  const other = await deviceKeyAndCsr('CN=cam-p');
  const alice = await b.user('alice');
  const bob = await b.user('bob');
  const unlinked = async () => assert.equal(await b.store.findDeviceOwner('cam-p'), undefined);

  // Input that never reaches a challenge: nothing changes at all.
  const c = await challenge(b, alice.token, 'cam-p');
  const good = signChallenge(c, cam.key);
  const before = await b.store.countRows();
  const cases: [string, unknown, string, number, string][] = [
    [
      "someone else's challenge",
      { challengeId: c.challengeId, signature: good },
      bob.token,
      404,
      'NOT_FOUND',
    ],
    [
      'unknown challenge',
      { challengeId: 'pch_AAAAAAAAAAAAAAAA', signature: good },
      alice.token,
      404,
      'NOT_FOUND',
    ],
    ['operator token', { challengeId: c.challengeId, signature: good }, b.operatorToken, 403, 'FORBIDDEN'],
    ['malformed JSON', `{"challengeId":"${c.challengeId}",`, alice.token, 400, 'VALIDATION_FAILED'],
    [
      'unknown key',
      { challengeId: c.challengeId, signature: good, deviceId: 'cam-p' },
      alice.token,
      400,
      'VALIDATION_FAILED',
    ],
    [
      'base64url signature',
      { challengeId: c.challengeId, signature: Buffer.from(good, 'base64').toString('base64url') + '_' },
      alice.token,
      400,
      'VALIDATION_FAILED',
    ],
    [
      'garbage signature',
      { challengeId: c.challengeId, signature: 'not base64!' },
      alice.token,
      400,
      'VALIDATION_FAILED',
    ],
    [
      'signature too long',
      { challengeId: c.challengeId, signature: 'A'.repeat(688) },
      alice.token,
      400,
      'VALIDATION_FAILED',
    ],
    ['bad challenge id', { challengeId: 'x', signature: good }, alice.token, 400, 'VALIDATION_FAILED'],
    ['no signature', { challengeId: c.challengeId }, alice.token, 400, 'VALIDATION_FAILED'],
  ];
  for (const [what, body, token, status, code] of cases) {
    assertRefused(await pairCall(b, token, body), status, code, what);
  }
  assert.deepEqual(await b.store.countRows(), before);
  assert.equal((await b.store.findPairingChallenge(c.challengeId))?.usedAt, undefined, 'still open');
  await unlinked();

  // Wrong signatures: refused, nothing linked, and (by design) the challenge is spent.
  const wrong: [string, (fresh: ChallengeBody) => Buffer][] = [
    ['signed by another key', (fresh) => Buffer.from(signChallenge(fresh, other.key), 'base64')],
    [
      'signature over another device id',
      (fresh) =>
        sign(
          'sha256',
          pairingSigningInput({ deviceId: 'cam-q', challengeId: fresh.challengeId, nonce: fresh.nonce }),
          cam.key,
        ),
    ],
    [
      "signature over another challenge's input",
      () => sign('sha256', Buffer.from(c.signingInput, 'base64'), cam.key),
    ],
    ['signature over the nonce alone', (fresh) => sign('sha256', Buffer.from(fresh.nonce), cam.key)],
  ];
  for (const [what, signed] of wrong) {
    const fresh = await challenge(b, alice.token, 'cam-p');
    const forged = signed(fresh).toString('base64');
    const rows = await b.store.countRows();
    assertRefused(
      await pairCall(b, alice.token, { challengeId: fresh.challengeId, signature: forged }),
      403,
      'PAIRING_SIGNATURE_INVALID',
      what,
    );
    assert.deepEqual(await b.store.countRows(), rows, what);
    await unlinked();
    const retry = await pairCall(b, alice.token, {
      challengeId: fresh.challengeId,
      signature: signChallenge(fresh, cam.key),
    });
    assertRefused(retry, 409, 'PAIRING_CHALLENGE_USED', `${what}: one challenge, one guess`);
  }

  // Expired: refused with the clock past expiresAt, nothing spent or linked.
  const rows = await b.store.countRows();
  b.clock.advance(b.config.backend.pairing.challengeTtlSeconds * 1000);
  assertRefused(
    await pairCall(b, alice.token, { challengeId: c.challengeId, signature: good }),
    410,
    'PAIRING_CHALLENGE_EXPIRED',
    'expired',
  );
  assert.deepEqual(await b.store.countRows(), rows);
  assert.equal((await b.store.findPairingChallenge(c.challengeId))?.usedAt, undefined);
  await unlinked();

  // Replayed: the first answer pairs, the same answer again is refused and changes nothing.
  const fresh = await challenge(b, alice.token, 'cam-p');
  const answer = { challengeId: fresh.challengeId, signature: signChallenge(fresh, cam.key) };
  assert.equal((await pairCall(b, alice.token, answer)).statusCode, 200);
  const afterPair = await b.store.countRows();
  const owner = await b.store.findDeviceOwner('cam-p');
  assertRefused(await pairCall(b, alice.token, answer), 409, 'PAIRING_CHALLENGE_USED', 'replayed');
  assert.deepEqual(await b.store.countRows(), afterPair);
  assert.deepEqual(await b.store.findDeviceOwner('cam-p'), owner);
});

backendTest('a device without an ACTIVE certificate cannot pair; its challenge stays open', async (_t, b) => {
  const reg = await b.call('POST', '/v1/devices', { token: b.operatorToken, body: { deviceId: 'cam-n' } });
  assert.equal(reg.statusCode, 201);
  const alice = await b.user('alice');
  const c = await challenge(b, alice.token, 'cam-n');
  const key = (await deviceKeyAndCsr('CN=cam-n')).key;
  const before = await b.store.countRows();
  const res = await pairCall(b, alice.token, {
    challengeId: c.challengeId,
    signature: signChallenge(c, key),
  });
  assertRefused(res, 409, 'DEVICE_NO_CERTIFICATE', 'no certificate');
  assert.deepEqual(await b.store.countRows(), before);
  assert.equal((await b.store.findPairingChallenge(c.challengeId))?.usedAt, undefined);
  assert.equal(await b.store.findDeviceOwner('cam-n'), undefined);
});

backendTest(
  'a JITP device (registered on first connect, no certificate id in the backend) pairs',
  async (_t, b) => {
    const dir = join(b.config.dataDir, 'devices');
    const made = await createDevice(pkiContext(b.config.dataDir, b.config.pki), 'cam-jitp', {
      outDir: dir,
      force: false,
    });
    const ca = await readFile(b.platform.endpoints.caPath);
    const files = {
      ca,
      cert: await readFile(made.certPath),
      key: await readFile(made.keyPath),
      clientId: 'cam-jitp',
      servername: 'localhost',
    };
    await assert.rejects(
      connectMqtt(b.platform.endpoints.mqtt, files),
      /closed before CONNACK/,
      'JITP drops the first connection',
    );
    const reg = await b.call('POST', '/v1/devices', {
      token: b.operatorToken,
      body: { deviceId: 'cam-jitp' },
    });
    assert.equal(reg.statusCode, 201);
    const alice = await b.user('alice');
    const c = await challenge(b, alice.token, 'cam-jitp');
    const res = await pairCall(b, alice.token, {
      challengeId: c.challengeId,
      signature: signChallenge(c, createPrivateKey(files.key)),
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json<{ device: DeviceBody }>().device.certificateId, null);
    assert.equal((await b.store.findDeviceOwner('cam-jitp'))?.userId, alice.id);
  },
);

backendTest('unpairing: a user their own device, the operator any; others are NOT_FOUND', async (_t, b) => {
  const cam = await provision(b, 'cam-u');
  const alice = await b.user('alice');
  const bob = await b.user('bob');
  const pairAs = async (token: string) => {
    const c = await challenge(b, token, 'cam-u');
    const res = await pairCall(b, token, {
      challengeId: c.challengeId,
      signature: signChallenge(c, cam.key),
    });
    assert.equal(res.statusCode, 200, res.body);
  };
  await pairAs(alice.token);
  const before = await b.store.countRows();
  assertRefused(
    await b.call('DELETE', '/v1/devices/cam-u/pairing', { token: bob.token }),
    404,
    'NOT_FOUND',
    "bob unpairs alice's",
  );
  assertRefused(
    await b.call('DELETE', '/v1/devices/cam-zz/pairing', { token: alice.token }),
    404,
    'NOT_FOUND',
    'unknown',
  );
  assertRefused(
    await b.call('DELETE', '/v1/devices/cam%2Fu/pairing', { token: alice.token }),
    400,
    'DEVICE_ID_INVALID',
    'bad id',
  );
  assert.deepEqual(await b.store.countRows(), before);

  const own = await b.call('DELETE', '/v1/devices/cam-u/pairing', { token: alice.token });
  assert.equal(own.statusCode, 204);
  assert.equal(own.body, '');
  assert.equal(await b.store.findDeviceOwner('cam-u'), undefined);
  assertRefused(
    await b.call('DELETE', '/v1/devices/cam-u/pairing', { token: alice.token }),
    404,
    'NOT_FOUND',
    'twice',
  );

  await pairAs(bob.token);
  assert.equal(
    (await b.call('DELETE', '/v1/devices/cam-u/pairing', { token: b.operatorToken })).statusCode,
    204,
  );
  assert.equal(await b.store.findDeviceOwner('cam-u'), undefined);
  assertRefused(
    await b.call('DELETE', '/v1/devices/cam-u/pairing', { token: b.operatorToken }),
    404,
    'NOT_FOUND',
    'operator, unpaired',
  );
  await pairAs(alice.token);
});
