/** Device registration and visibility through inject(), on both stores. */
import assert from 'node:assert/strict';
import { backendTest, errorCode } from '../../../test/helpers/backend-app.js';

interface DeviceBody {
  deviceId: string;
  certificateId: string | null;
  createdAt: string;
}

backendTest('the operator registers devices; duplicates are CONFLICT', async (_t, b) => {
  const certificateId = 'a'.repeat(64);
  const res = await b.call('POST', '/v1/devices', {
    token: b.operatorToken,
    body: { deviceId: 'cam-1', certificateId },
  });
  assert.equal(res.statusCode, 201);
  assert.deepEqual(res.json<{ device: DeviceBody }>().device, {
    deviceId: 'cam-1',
    certificateId,
    createdAt: b.clock.now().toISOString(),
  });
  const before = await b.store.countRows();
  const again = await b.call('POST', '/v1/devices', { token: b.operatorToken, body: { deviceId: 'cam-1' } });
  assert.equal(again.statusCode, 409);
  assert.equal(errorCode(again), 'CONFLICT');
  assert.equal((await b.store.findDevice('cam-1'))?.certificateId, certificateId);
  assert.deepEqual(await b.store.countRows(), before);
});

backendTest('device ids must be thing names; bad bodies change nothing', async (_t, b) => {
  const before = await b.store.countRows();
  const cases: [unknown, string][] = [
    [{ deviceId: 'cam/1' }, 'DEVICE_ID_INVALID'],
    [{ deviceId: 'cam+#' }, 'DEVICE_ID_INVALID'],
    [{ deviceId: 'x'.repeat(129) }, 'VALIDATION_FAILED'],
    [{ deviceId: '' }, 'VALIDATION_FAILED'],
    [{}, 'VALIDATION_FAILED'],
    [{ deviceId: 'cam-1', certificateId: 'XYZ' }, 'VALIDATION_FAILED'],
    [{ deviceId: 'cam-1', owner: 'usr_1' }, 'VALIDATION_FAILED'],
  ];
  for (const [body, code] of cases) {
    const res = await b.call('POST', '/v1/devices', { token: b.operatorToken, body });
    assert.equal(res.statusCode, 400, JSON.stringify(body));
    assert.equal(errorCode(res), code, JSON.stringify(body));
  }
  assert.deepEqual(await b.store.countRows(), before);
});

backendTest(
  'the configured device-id pattern applies on top of the thing-name rule',
  async (_t, b) => {
    const bad = await b.call('POST', '/v1/devices', { token: b.operatorToken, body: { deviceId: 'cam-1' } });
    assert.equal(errorCode(bad), 'DEVICE_ID_INVALID');
    const good = await b.call('POST', '/v1/devices', {
      token: b.operatorToken,
      body: { deviceId: 'cam-0123456789ab' },
    });
    assert.equal(good.statusCode, 201);
  },
  { deviceIdPattern: '^cam-[0-9a-f]{12}$' },
);

backendTest('users see only their own devices; others are NOT_FOUND like unknown ones', async (_t, b) => {
  const alice = await b.user('Alice');
  const bob = await b.user('Bob');
  for (const deviceId of ['cam-a', 'cam-b', 'cam-free']) {
    await b.call('POST', '/v1/devices', { token: b.operatorToken, body: { deviceId } });
  }
  // Pairing comes with proof of possession in the next step; the store links directly here.
  assert.equal(await b.store.linkUserDevice(alice.id, 'cam-a', b.clock.now().getTime()), 'linked');
  assert.equal(await b.store.linkUserDevice(bob.id, 'cam-b', b.clock.now().getTime()), 'linked');

  const list = (token: string) =>
    b.call('GET', '/v1/devices', { token }).then((r) => r.json<{ devices: DeviceBody[] }>().devices);
  assert.deepEqual(
    (await list(alice.token)).map((d) => d.deviceId),
    ['cam-a'],
  );
  assert.deepEqual(
    (await list(bob.token)).map((d) => d.deviceId),
    ['cam-b'],
  );
  assert.deepEqual(
    (await list(b.operatorToken)).map((d) => d.deviceId),
    ['cam-a', 'cam-b', 'cam-free'],
  );

  const own = await b.call('GET', '/v1/devices/cam-a', { token: alice.token });
  assert.equal(own.statusCode, 200);
  const ownBody = own.json<{ device: DeviceBody; pairedAt: string; ownerUserId?: string }>();
  assert.equal(ownBody.device.deviceId, 'cam-a');
  assert.equal(ownBody.pairedAt, b.clock.now().toISOString());
  assert.equal(ownBody.ownerUserId, undefined, 'users are not shown owner ids');

  const foreign = await b.call('GET', '/v1/devices/cam-b', { token: alice.token });
  const unpaired = await b.call('GET', '/v1/devices/cam-free', { token: alice.token });
  const unknown = await b.call('GET', '/v1/devices/cam-zzz', { token: alice.token });
  for (const res of [foreign, unpaired, unknown]) {
    assert.equal(res.statusCode, 404);
    assert.equal(errorCode(res), 'NOT_FOUND');
  }
  // Same answer shape for a foreign and an unknown device: nothing tells them apart but the id.
  assert.equal(
    foreign.json<{ error: { message: string } }>().error.message.replace('cam-b', 'X'),
    unknown.json<{ error: { message: string } }>().error.message.replace('cam-zzz', 'X'),
  );

  const byOperator = await b.call('GET', '/v1/devices/cam-b', { token: b.operatorToken });
  assert.equal(byOperator.json<{ ownerUserId: string }>().ownerUserId, bob.id);
  const invalid = await b.call('GET', '/v1/devices/cam%2B1', { token: b.operatorToken });
  assert.equal(errorCode(invalid), 'DEVICE_ID_INVALID');
});
