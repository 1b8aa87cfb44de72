/**
 * Device admission (src/broker/admission.ts): while it is closed a device's CONNECT is answered CONNACK 3
 * "Server unavailable" (in the default "drop" mode too: it is not an auth failure), service identities
 * are admitted, and once it opens devices connect. The camera's session treats CONNACK 3 as "soon":
 * retries on a short backoff of its own and connects when admission opens.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeviceSession, type Timers } from '../../src/device/session.js';
import { createLogger } from '../../src/log/logger.js';
import { startTestEndpoint } from '../helpers/endpoint.js';

test('closed admission: devices get CONNACK 3, service identities connect; open: devices connect', async (t) => {
  const endpoint = await startTestEndpoint(t, { admitWhileClosed: ['camlink-backend'] });
  const camera = await endpoint.device('cam-admission-1');
  const service = await endpoint.device('camlink-backend');
  assert.equal(endpoint.broker.admissionOpen, false);

  await assert.rejects(endpoint.connect(camera), (err: unknown) => {
    assert.equal((err as { code?: unknown }).code, 3, 'CONNACK 3, not a silent close');
    assert.match(String(err), /Server unavailable/);
    return true;
  });
  const backend = await endpoint.connect(service);
  assert.ok(backend.connected, 'the service identity is admitted');

  endpoint.broker.openAdmission('test');
  const admitted = endpoint.logs.find((l) => l.msg === 'devices admitted');
  assert.equal(admitted?.refused, 1);
  assert.equal(admitted?.why, 'test');
  endpoint.clock.advance(1_000); // one CONNECT per second per client id
  const device = await endpoint.connect(camera);
  assert.ok(device.connected);
  assert.equal(
    endpoint.logs.filter((l) => l.msg === 'connection refused').length,
    0,
    'the refusals were not logged as auth failures',
  );
});

test('the camera session retries CONNACK 3 on a short backoff and connects once admission opens', async (t) => {
  const endpoint = await startTestEndpoint(t, { admitWhileClosed: [] });
  const camera = await endpoint.device('cam-admission-2');
  const waits: { delayMs: number; serverUnavailable: boolean }[] = [];
  const timers: Timers = {
    set: (fn, ms) => {
      endpoint.clock.advance(ms); // the endpoint sees the wait pass
      return setImmediate(fn);
    },
    clear: (handle) => clearImmediate(handle as NodeJS.Immediate),
  };
  const session = DeviceSession.open({
    deviceId: camera.id,
    mqttUrl: endpoint.broker.mqttsUrl,
    cert: camera.cert,
    key: camera.key,
    ca: endpoint.ca,
    timers,
    // Every draw at its ceiling: the longest wait each backoff allows.
    random: (n) => new Uint8Array(n).fill(0xff),
    backoff: { baseMs: 1_000, capMs: 30_000 },
    logger: createLogger({ level: 'silent' }),
  });
  t.after(() => session.stop());
  const connected = new Promise<{ attempts: number }>((resolve) => session.once('connected', resolve));
  session.on('retrying', (info) => {
    waits.push(info);
    if (waits.length === 6) endpoint.broker.openAdmission('test');
  });
  const { attempts } = await connected;
  assert.equal(attempts, 7);
  assert.ok(
    waits.every((w) => w.serverUnavailable),
    'each close followed a CONNACK 3',
  );
  // The general backoff would have grown to 2, 4, 8, 16, 30 s; "Server unavailable" stays at 4 x base.
  assert.deepEqual(
    waits.map((w) => w.delayMs),
    [1_000, 1_999, 3_999, 3_999, 3_999, 3_999],
  );
});
