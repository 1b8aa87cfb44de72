/**
 * Security matrix, backend REST API (CC BE) of the embedded platform: missing, malformed and revoked
 * tokens, a user reaching another user's device, uploads and video, a user calling operator routes,
 * an oversized JSON body, and pairing with a wrong signature or too many open challenges. Refusals are
 * the backend's `{"error":{"code"}}` with its HTTP status (docs/errors.md).
 */
import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { hashToken } from '../../src/backend/auth/tokens.js';
import { openBackendStore, storeLocation } from '../../src/backend/store/open.js';
import type { ProvisionedCamera } from '../helpers/app-world.js';
import { rawRequest } from '../helpers/https.js';
import { surface } from './matrix.js';
import { refusal } from './observe.js';
import { securityWorld } from './world.js';

const backend = surface('backend', 'Backend API');
const sw = securityWorld();

interface Caller {
  id: string;
  token: string;
}

async function newUser(name: string): Promise<Caller> {
  const { user, token } = await sw().world.operator.createUser(name);
  return { id: user.id, token: token.token };
}

function call(method: string, path: string, token?: string, body?: string) {
  const { platform, world } = sw();
  return rawRequest(world.httpsAgent, `${platform.endpoints.api}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body }),
  });
}

/** A camera provisioned by the operator and paired to `owner` through the pairing API. */
async function pairedCamera(owner: Caller, deviceId: string): Promise<ProvisionedCamera> {
  const camera = await sw().world.provision(deviceId);
  const challenge = await call('POST', '/v1/pairing/challenges', owner.token, JSON.stringify({ deviceId }));
  assert.equal(challenge.status, 201, challenge.body.toString());
  const { challengeId, signingInput } = JSON.parse(challenge.body.toString()) as {
    challengeId: string;
    signingInput: string;
  };
  const signature = sign('sha256', Buffer.from(signingInput, 'base64'), camera.key).toString('base64');
  const paired = await call('POST', '/v1/pairing', owner.token, JSON.stringify({ challengeId, signature }));
  assert.equal(paired.status, 200, paired.body.toString());
  return camera;
}

backend.row('api-no-token', 'GET /v1/devices without a token', '401 AUTH_REQUIRED', async () =>
  refusal(await call('GET', '/v1/devices'), 401, 'AUTH_REQUIRED'),
);

backend.row(
  'api-bad-token',
  'GET /v1/devices with a malformed and with an unknown token',
  '401 AUTH_INVALID',
  async () => {
    const malformed = refusal(await call('GET', '/v1/devices', 'not-a-token'), 401, 'AUTH_INVALID');
    const unknown = `clk_${'A'.repeat(43)}`;
    assert.equal(refusal(await call('GET', '/v1/devices', unknown), 401, 'AUTH_INVALID'), malformed);
    return malformed;
  },
);

backend.row(
  'api-revoked-token',
  'a revoked user token (tokens have no expiry; revocation is how one ends)',
  '401 AUTH_INVALID',
  async () => {
    const w = sw();
    const alice = await newUser('revoked');
    assert.equal((await call('GET', '/v1/me', alice.token)).status, 200);
    const store = await openBackendStore(storeLocation(w.config.dataDir, w.config.backend.store), Date.now());
    try {
      const row = await store.findTokenByHash(hashToken(alice.token));
      assert.ok(row && (await store.revokeToken(row.id, Date.now())));
    } finally {
      await store.close();
    }
    return refusal(await call('GET', '/v1/me', alice.token), 401, 'AUTH_INVALID');
  },
);

backend.row(
  'api-other-user-device',
  "a user reading another user's device",
  '404 NOT_FOUND (existence does not leak)',
  async () => {
    const alice = await newUser('alice-device');
    const bob = await newUser('bob-device');
    await pairedCamera(alice, 'cam-api-dev');
    assert.equal((await call('GET', '/v1/devices/cam-api-dev', alice.token)).status, 200);
    return refusal(await call('GET', '/v1/devices/cam-api-dev', bob.token), 404, 'NOT_FOUND');
  },
);

backend.row(
  'api-other-user-uploads',
  "a user listing another user's device uploads, reading one, and issuing an upload URL for it",
  '404 NOT_FOUND',
  async () => {
    const alice = await newUser('alice-uploads');
    const bob = await newUser('bob-uploads');
    await pairedCamera(alice, 'cam-api-up');
    const issued = await call(
      'POST',
      '/v1/devices/cam-api-up/uploads',
      alice.token,
      JSON.stringify({ contentType: 'image/jpeg', size: 10 }),
    );
    assert.equal(issued.status, 201, issued.body.toString());
    const { uploadId } = JSON.parse(issued.body.toString()) as { uploadId: string };
    const listed = refusal(await call('GET', '/v1/devices/cam-api-up/uploads', bob.token), 404, 'NOT_FOUND');
    assert.equal(refusal(await call('GET', `/v1/uploads/${uploadId}`, bob.token), 404, 'NOT_FOUND'), listed);
    const forged = await call(
      'POST',
      '/v1/devices/cam-api-up/uploads',
      bob.token,
      JSON.stringify({ contentType: 'image/jpeg', size: 10 }),
    );
    assert.equal(refusal(forged, 404, 'NOT_FOUND'), listed);
    return listed;
  },
);

backend.row(
  'api-other-user-hls',
  "a user asking for another user's device video (HLS)",
  '404 NOT_FOUND',
  async () => {
    const alice = await newUser('alice-hls');
    const bob = await newUser('bob-hls');
    await pairedCamera(alice, 'cam-api-hls');
    return refusal(await call('GET', '/v1/devices/cam-api-hls/video/hls', bob.token), 404, 'NOT_FOUND');
  },
);

backend.row(
  'api-user-operator-route',
  'a user token on operator routes (create user, provision a device)',
  '403 FORBIDDEN',
  async () => {
    const mallory = await newUser('mallory');
    const users = refusal(
      await call('POST', '/v1/users', mallory.token, JSON.stringify({ name: 'x' })),
      403,
      'FORBIDDEN',
    );
    const provision = await call(
      'POST',
      '/v1/devices/provision',
      mallory.token,
      JSON.stringify({ deviceId: 'cam-x', csr: 'x' }),
    );
    assert.equal(refusal(provision, 403, 'FORBIDDEN'), users);
    return users;
  },
);

backend.row(
  'api-oversized-json',
  'a JSON body one byte over backend.bodyLimitBytes',
  '413 PAYLOAD_TOO_LARGE',
  async () => {
    const alice = await newUser('alice-big');
    const body = JSON.stringify({ deviceId: 'x'.repeat(sw().config.backend.bodyLimitBytes) });
    return refusal(await call('POST', '/v1/pairing/challenges', alice.token, body), 413, 'PAYLOAD_TOO_LARGE');
  },
);

backend.row(
  'pairing-wrong-signature',
  "pairing answered with a signature by another key, then the same challenge again with the device's",
  '403 PAIRING_SIGNATURE_INVALID, then 409 PAIRING_CHALLENGE_USED',
  async () => {
    const alice = await newUser('alice-pair');
    const camera = await sw().world.provision('cam-api-pair');
    const other = await sw().world.provision('cam-api-pair-other');
    const challenge = await call(
      'POST',
      '/v1/pairing/challenges',
      alice.token,
      JSON.stringify({ deviceId: camera.deviceId }),
    );
    const { challengeId, signingInput } = JSON.parse(challenge.body.toString()) as {
      challengeId: string;
      signingInput: string;
    };
    const input = Buffer.from(signingInput, 'base64');
    const wrong = sign('sha256', input, other.key).toString('base64');
    const first = refusal(
      await call('POST', '/v1/pairing', alice.token, JSON.stringify({ challengeId, signature: wrong })),
      403,
      'PAIRING_SIGNATURE_INVALID',
    );
    const right = sign('sha256', input, camera.key).toString('base64');
    const second = refusal(
      await call('POST', '/v1/pairing', alice.token, JSON.stringify({ challengeId, signature: right })),
      409,
      'PAIRING_CHALLENGE_USED',
    );
    return `${first}, then ${second}`;
  },
);

backend.row(
  'pairing-too-many-challenges',
  'a 21st open pairing challenge (guessing budget)',
  '429 PAIRING_TOO_MANY_CHALLENGES',
  async () => {
    const alice = await newUser('alice-many');
    await sw().world.provision('cam-api-many');
    const ask = () =>
      call('POST', '/v1/pairing/challenges', alice.token, JSON.stringify({ deviceId: 'cam-api-many' }));
    for (let i = 0; i < 20; i += 1) assert.equal((await ask()).status, 201);
    return refusal(await ask(), 429, 'PAIRING_TOO_MANY_CHALLENGES');
  },
);

backend.done();
