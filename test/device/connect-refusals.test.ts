/**
 * What the camera's session says when the endpoint gives it no session (src/device/connect-refusal.ts):
 * a close before CONNACK is DEVICE_CONNECT_CLOSED naming the provisioning close and the 1 CONNECT/s
 * quota (here: the quota), and after three in a row a refused identity; a refusing CONNACK is named by
 * its return code (5 in "connack" mode: DEVICE_CONNECT_REFUSED; 3 while admission is closed:
 * DEVICE_OFFLINE); a socket that never reached an MQTT endpoint is no refusal. The endpoint logs each
 * close with its reason: at info for the quota, at warn for a refused identity. The JITP close is in
 * test/device/session.test.ts (it needs the platform's registry).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import type { CamlinkError } from '../../src/errors/camlink-error.js';
import { DeviceSession, type SessionEvents, type Timers } from '../../src/device/session.js';
import { createLogger } from '../../src/log/logger.js';
import { startTestEndpoint, type DeviceFiles, type TestEndpoint } from '../helpers/endpoint.js';

type Retrying = SessionEvents['retrying'][0];

/** A session as `deviceId` with `files`; its reconnects run at once, one second later on the endpoint's clock. */
function openSession(
  t: TestContext,
  endpoint: TestEndpoint,
  files: DeviceFiles,
  options: { deviceId?: string; mqttUrl?: string; reconnect?: boolean } = {},
) {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n'))
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const timers: Timers = {
    set: (fn, ms) => {
      if (options.reconnect !== true) return undefined;
      endpoint.clock.advance(ms);
      return setImmediate(fn);
    },
    clear: (handle) => {
      if (handle !== undefined) clearImmediate(handle as NodeJS.Immediate);
    },
  };
  const session = DeviceSession.open({
    deviceId: options.deviceId ?? files.id,
    mqttUrl: options.mqttUrl ?? endpoint.broker.mqttsUrl,
    cert: files.cert,
    key: files.key,
    ca: endpoint.ca,
    timers,
    random: (n) => new Uint8Array(n),
    logger: createLogger({ level: 'info' }, sink),
  });
  t.after(() => session.stop());
  const retries: Retrying[] = [];
  session.on('retrying', (info) => retries.push(info));
  /** Resolves once `n` attempts have ended. */
  const retried = async (n: number) => {
    while (retries.length < n) await once(session, 'retrying');
    return retries;
  };
  return { session, logs, retried };
}

function refusalOf(info: Retrying | undefined): CamlinkError {
  assert.ok(info?.refusal, 'the attempt ended with a refusal');
  return info.refusal;
}

test('a second CONNECT within the second is closed before CONNACK: DEVICE_CONNECT_CLOSED says why, the endpoint logs the quota at info', async (t) => {
  const endpoint = await startTestEndpoint(t);
  const camera = await endpoint.device('cam-quota');
  await endpoint.connect(camera); // takes this second's CONNECT of the client id
  const { session, logs, retried } = openSession(t, endpoint, camera);
  const [first] = await retried(1);
  const refusal = refusalOf(first);
  assert.equal(refusal.code, 'DEVICE_CONNECT_CLOSED');
  assert.equal(refusal.retryable, true);
  assert.match(refusal.message, /closed the connection before CONNACK/);
  assert.match(
    refusal.message,
    /first connection is closed while it is provisioned \(just-in-time provisioning\)/,
  );
  assert.match(refusal.message, /a client id may connect at most once per second; retrying in 1 s$/);
  const logged = logs.find((l) => l.code === 'DEVICE_CONNECT_CLOSED');
  assert.equal(logged?.level, 30, 'a first close is logged at info (JITP makes one by design)');
  assert.equal(logged?.msg, refusal.message);

  const closed = endpoint.logs.find((l) => l.msg === 'connection refused' && l.clientId === 'cam-quota');
  assert.match(String(closed?.reason), /more than 1 CONNECT per second for this client id/);
  assert.equal(closed?.level, 30, 'the quota is logged at info: by design, over on the next try');

  await assert.rejects(session.publish('camlink/devices/cam-quota/status', 'x'), (err: CamlinkError) => {
    assert.equal(err.code, 'DEVICE_OFFLINE');
    assert.match(err.message, /not connected: the endpoint .* closed the connection before CONNACK/);
    return true;
  });
});

test('closes before CONNACK in a row: from the third the message says the endpoint refuses the identity; the endpoint logs the reason at warn', async (t) => {
  const endpoint = await startTestEndpoint(t);
  const camera = await endpoint.device('cam-real');
  // The certificate of cam-real, the client id of another thing: refused at every CONNECT.
  const { session, logs, retried } = openSession(t, endpoint, camera, {
    deviceId: 'cam-other',
    reconnect: true,
  });
  const retries = await retried(3);
  await session.stop();
  const messages = retries.slice(0, 3).map((r) => refusalOf(r).message);
  assert.deepEqual(
    retries.slice(0, 3).map((r) => refusalOf(r).details?.closesInARow),
    [1, 2, 3],
  );
  assert.doesNotMatch(messages[1] ?? '', /in a row/);
  assert.match(messages[2] ?? '', /3 closes in a row are more than that: the endpoint refuses "cam-other"/);
  assert.match(messages[2] ?? '', /client id is not its thing name/);
  assert.match(messages[2] ?? '', /camlink up: "connection refused" with the reason/);
  assert.deepEqual(
    logs
      .filter((l) => l.code === 'DEVICE_CONNECT_CLOSED')
      .slice(0, 3)
      .map((l) => l.level),
    [30, 40, 40],
    'the first close at info, the ones after at warn',
  );
  const closed = endpoint.logs.find((l) => l.msg === 'connection refused' && l.clientId === 'cam-other');
  assert.match(
    String(closed?.reason),
    /client id "cam-other" is not the certificate's thing name "cam-real"/,
  );
  assert.equal(closed?.level, 40);
});

test('broker.authFailure "connack": CONNACK 5 is DEVICE_CONNECT_REFUSED, named', async (t) => {
  const endpoint = await startTestEndpoint(t, { config: { broker: { authFailure: 'connack' } } });
  const camera = await endpoint.device('cam-five');
  const { retried } = openSession(t, endpoint, camera, { deviceId: 'cam-not-five' });
  const refusal = refusalOf((await retried(1))[0]);
  assert.equal(refusal.code, 'DEVICE_CONNECT_REFUSED');
  assert.deepEqual(refusal.details, { returnCode: 5, returnCodeName: 'not authorized' });
  assert.match(refusal.message, /answered CONNACK 5 \(not authorized\): it refuses "cam-not-five"/);
});

test('closed admission: CONNACK 3 is DEVICE_OFFLINE, named, on the short backoff', async (t) => {
  const endpoint = await startTestEndpoint(t, { admitWhileClosed: [] });
  const camera = await endpoint.device('cam-three');
  const { logs, retried } = openSession(t, endpoint, camera);
  const [first] = await retried(1);
  assert.equal(first?.serverUnavailable, true);
  const refusal = refusalOf(first);
  assert.equal(refusal.code, 'DEVICE_OFFLINE');
  assert.match(refusal.message, /answered CONNACK 3 \(server unavailable\): it is not taking devices yet/);
  assert.equal(logs.find((l) => l.code === 'DEVICE_OFFLINE')?.level, 30);
});

test('nothing listening: a socket error, not a refusal', async (t) => {
  const endpoint = await startTestEndpoint(t);
  const camera = await endpoint.device('cam-nowhere');
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const { session, retried } = openSession(t, endpoint, camera, { mqttUrl: `mqtts://127.0.0.1:${port}` });
  const [first] = await retried(1);
  assert.equal(first?.refusal, undefined);
  assert.equal(session.lastConnectRefusal, undefined);
});
