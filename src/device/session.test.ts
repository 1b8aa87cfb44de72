/**
 * The session's pure parts (backoff, connect options) and one real TLS peer that records what the
 * session offered in its ClientHello: the AWS IoT ALPN protocol reaches the TLS connect when asked for.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import tls from 'node:tls';
import { testPki } from '../../test/helpers/pki.js';
import { createLogger } from '../log/logger.js';
import { initCa } from '../pki/ca.js';
import { issueServerCert } from '../pki/server-cert.js';
import { backoffMs, DeviceSession, mqttConnectOptions, type Timers } from './session.js';

const fixed = (byte: number) => () => new Uint8Array([byte, 0, 0, 0]);

test('backoff is full jitter between the base and the cap, doubling', () => {
  assert.equal(backoffMs(0, fixed(0)), 1000, 'never below 1 s (one CONNECT per second)');
  assert.equal(backoffMs(3, fixed(0x80)), 4000, 'half of 8 s');
  assert.ok(backoffMs(20, fixed(0xff)) <= 30_000);
  assert.ok(backoffMs(20, fixed(0xff)) > 29_000);
  assert.equal(backoffMs(2, fixed(0x80), { baseMs: 100, capMs: 250 }), 125, 'half of the 250 ms cap');
});

test('connect options: MQTT 3.1.1, thing name as client id, persistent session, no MQTT.js reconnect', () => {
  const base = { deviceId: 'cam-1', mqttUrl: 'mqtts://127.0.0.1:8883', cert: 'C', key: 'K' };
  const logger = createLogger({ level: 'silent' });
  const o = mqttConnectOptions({ ...base, logger });
  assert.equal(o.protocolVersion, 4);
  assert.equal(o.clientId, 'cam-1');
  assert.equal(o.clean, false);
  assert.equal(o.reconnectPeriod, 0, 'the session owns reconnection');
  assert.equal(o.manualConnect, true, 'connects once its listeners are on');
  assert.equal(o.servername, 'localhost');
  assert.equal(o.rejectUnauthorized, true);
  assert.equal('ALPNProtocols' in o, false);
  const aws = mqttConnectOptions({
    ...base,
    mqttUrl: 'mqtts://example-ats.iot.eu-west-1.amazonaws.com:443',
    alpn443: true,
    logger,
  });
  assert.deepEqual(aws.ALPNProtocols, ['x-amzn-mqtt-ca']);
  assert.equal(aws.servername, 'example-ats.iot.eu-west-1.amazonaws.com');
});

test('alpn443 offers x-amzn-mqtt-ca in the TLS handshake; a refused connection is retried', async (t) => {
  const { ctx, dataDir } = await testPki(t);
  await initCa(ctx, { force: false });
  const cert = await issueServerCert(ctx, dataDir, { name: 'peer', sans: ['localhost', '127.0.0.1'] });
  const key = await readFile(cert.keyPath);
  const crt = await readFile(cert.certPath);
  const offered: (string | false | null)[] = [];
  const handshakes: (() => void)[] = [];
  const server = tls.createServer({ key, cert: crt, ALPNProtocols: ['x-amzn-mqtt-ca'] }, (socket) => {
    offered.push(socket.alpnProtocol);
    socket.destroy(); // not an MQTT peer: every connection is dropped
    handshakes.shift()?.();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  // Timers that run a scheduled reconnect at once and record the waits asked for.
  const waits: number[] = [];
  const timers: Timers = {
    set: (fn, ms) => {
      waits.push(ms);
      return setImmediate(fn);
    },
    clear: (handle) => clearImmediate(handle as NodeJS.Immediate),
  };
  const twoHandshakes = new Promise<void>((resolve) => handshakes.push(() => undefined, resolve));
  const session = DeviceSession.open({
    deviceId: 'cam-alpn',
    mqttUrl: `mqtts://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cert: crt,
    key,
    ca: await readFile(ctx.store.caCertPath),
    alpn443: true,
    timers,
    random: fixed(0),
    logger: createLogger({ level: 'silent' }),
  });
  t.after(() => session.stop());
  await twoHandshakes;
  assert.deepEqual(offered.slice(0, 2), ['x-amzn-mqtt-ca', 'x-amzn-mqtt-ca']);
  assert.equal(waits[0], 1000, 'the retry waited the backoff floor');
  assert.equal(session.connected, false);
  await session.stop();
  await assert.rejects(session.waitConnected(), { code: 'DEVICE_OFFLINE' });
});
