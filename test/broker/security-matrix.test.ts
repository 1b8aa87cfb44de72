/**
 * The endpoint's security matrix (docs/broker.md): every attack is tried for real over sockets, and
 * each row asserts the refusal that AWS IoT Core would give and the reason camlink logs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqttPacket from 'mqtt-packet';
import tls from 'node:tls';
import { initCa } from '../../src/pki/ca.js';
import { createDevice } from '../../src/pki/device.js';
import { revokeDevice } from '../../src/pki/crl.js';
import { pkiContext } from '../../src/pki/context.js';
import { loadConfig } from '../../src/config/load.js';
import { loadTlsServerMaterial } from '../../src/pki/tls-material.js';
import {
  closed,
  connectMqtt,
  nextMessage,
  startTestEndpoint,
  type TestEndpoint,
} from '../helpers/endpoint.js';
import { tempDir } from '../helpers/tmp.js';

const DAY = 86_400_000;

function logged(ep: TestEndpoint, pattern: RegExp): boolean {
  return ep.logs.some((l) =>
    pattern.test(`${String(l.msg)} ${typeof l.reason === 'string' ? l.reason : ''}`),
  );
}

test('unknown CA: the TLS handshake is refused', async (t) => {
  const ep = await startTestEndpoint(t);
  const otherDir = await tempDir(t);
  const other = pkiContext(otherDir, loadConfig({ env: {} }).pki);
  await initCa(other, { force: false });
  const made = await createDevice(other, 'cam-x', { outDir: otherDir, force: false });
  const foreign = { id: 'cam-x', cert: await readFile(made.certPath), key: await readFile(made.keyPath) };
  await assert.rejects(ep.connect(foreign));
  assert.ok(logged(ep, /TLS handshake refused/));
});

test('revoked certificate: refused at the handshake (CRL)', async (t) => {
  const ep = await startTestEndpoint(t);
  const device = await ep.device('cam-r');
  await revokeDevice(ep.pki, 'cam-r', { reason: 'keyCompromise' });
  ep.broker.reloadTls(await loadTlsServerMaterial(ep.dataDir, ep.pki.store));
  await assert.rejects(ep.connect(device));
});

test('expired certificate: refused at the handshake', async (t) => {
  const ep = await startTestEndpoint(t);
  const past = pkiContext(
    ep.dataDir,
    { ...ep.pki.config, deviceValidityDays: 1 },
    {
      clock: { now: () => new Date(Date.now() - 10 * DAY) },
    },
  );
  const made = await createDevice(past, 'cam-old', { outDir: join(ep.dataDir, 'old'), force: false });
  const device = { id: 'cam-old', cert: await readFile(made.certPath), key: await readFile(made.keyPath) };
  await assert.rejects(ep.connect(device));
  assert.ok(
    logged(ep, /TLS handshake refused .*expired|certificate expired/i) || logged(ep, /TLS handshake refused/),
  );
});

test('client-id spoofing: a certificate connecting as another thing is dropped without CONNACK', async (t) => {
  const ep = await startTestEndpoint(t);
  await ep.device('cam-b');
  const a = await ep.device('cam-a');
  await assert.rejects(ep.connect(a, { clientId: 'cam-b' }), /closed before CONNACK/);
  assert.ok(logged(ep, /is not the certificate's thing name/));
  for (const clientId of ['+', '#', 'cam-a/x', '']) {
    ep.clock.advance(1000);
    await assert.rejects(ep.connect(a, { clientId }), /closed before CONNACK|Identifier|Connection refused/);
  }
});

test('connack mode answers CONNACK 5 instead of dropping', async (t) => {
  const ep = await startTestEndpoint(t, { config: { broker: { authFailure: 'connack' } } });
  const a = await ep.device('cam-a');
  await assert.rejects(ep.connect(a, { clientId: 'cam-b' }), /Not authorized/i);
});

test('cross-device publish: the publisher is disconnected and nothing is delivered', async (t) => {
  const ep = await startTestEndpoint(t, { operators: ['backend'] });
  const backend = await ep.connect(await ep.device('backend'));
  await backend.subscribeAsync('camlink/devices/+/uploads', { qos: 1 });
  const a = await ep.connect(await ep.device('cam-a'));
  const b = await ep.connect(await ep.device('cam-b'));
  const seen: string[] = [];
  backend.on('message', (topic) => seen.push(topic));
  const aClosed = closed(a);
  a.publish('camlink/devices/cam-b/uploads', 'forged', { qos: 1 });
  await aClosed;
  const sentinel = nextMessage(backend, 'camlink/devices/cam-b/uploads');
  await b.publishAsync('camlink/devices/cam-b/uploads', 'real', { qos: 1 });
  assert.equal((await sentinel).toString(), 'real');
  assert.deepEqual(seen, ['camlink/devices/cam-b/uploads']);
  assert.ok(ep.logs.some((l) => l.clientId === 'cam-a' && l.reason === 'FORBIDDEN_ACCESS'));
});

test('cross-device and # subscriptions are refused with SUBACK 0x80', async (t) => {
  const ep = await startTestEndpoint(t);
  const a = await ep.connect(await ep.device('cam-a'));
  for (const filter of [
    'camlink/devices/cam-b/commands',
    '#',
    'camlink/#',
    'camlink/devices/+/commands',
    '$SYS/#',
  ]) {
    await assert.rejects(
      a.subscribeAsync(filter, { qos: 1 }),
      (err: { packet?: { granted?: number[] } }) => err.packet?.granted?.[0] === 128,
      filter,
    );
  }
  const own = await a.subscribeAsync('camlink/devices/cam-a/commands', { qos: 2 });
  assert.equal(own[0]?.qos, 1, 'QoS 2 is granted as QoS 1');
});

test('receive is checked per delivery: a device never gets another device’s messages', async (t) => {
  const ep = await startTestEndpoint(t, { operators: ['backend'] });
  const a = await ep.connect(await ep.device('cam-a'));
  await a.subscribeAsync('camlink/devices/cam-a/#', { qos: 1 });
  const backend = await ep.connect(await ep.device('backend'));
  const seen: string[] = [];
  a.on('message', (topic) => seen.push(topic));
  await backend.publishAsync('camlink/devices/cam-b/commands', 'not for a', { qos: 1 });
  const own = nextMessage(a, 'camlink/devices/cam-a/commands');
  await backend.publishAsync('camlink/devices/cam-a/commands', 'for a', { qos: 1 });
  await own;
  assert.deepEqual(seen, ['camlink/devices/cam-a/commands']);
});

test('plaintext when disabled: no listener, and plain MQTT to the TLS port gets no CONNACK', async (t) => {
  const ep = await startTestEndpoint(t);
  assert.equal(ep.broker.plaintextUrl, undefined);
  const socket = net.connect(ep.broker.port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    mqttPacket.generate({
      cmd: 'connect',
      clientId: 'cam-a',
      protocolVersion: 4,
      keepalive: 60,
      clean: true,
    }),
  );
  const received: Buffer[] = [];
  socket.on('data', (d: Buffer) => received.push(d));
  await once(socket, 'close');
  const bytes = Buffer.concat(received);
  assert.ok(bytes.length === 0 || bytes[0] !== 0x20, 'no CONNACK on the TLS port');
});

test('oversize payload: 128 KB + 1 disconnects; a huge header is cut before its body', async (t) => {
  const ep = await startTestEndpoint(t);
  const a = await ep.connect(await ep.device('cam-a'));
  const aClosed = closed(a);
  a.publish('camlink/devices/cam-a/uploads', Buffer.alloc(131_073), { qos: 0 });
  await aClosed;
  assert.ok(logged(ep, /payload is 131073 bytes; the limit is 131072/));

  ep.clock.advance(1000);
  const device = await ep.device('cam-big');
  const socket = tls.connect({
    host: '127.0.0.1',
    port: ep.broker.port,
    ca: ep.ca,
    cert: device.cert,
    key: device.key,
    servername: 'localhost',
  });
  await once(socket, 'secureConnect');
  socket.write(
    mqttPacket.generate({
      cmd: 'connect',
      clientId: 'cam-big',
      protocolVersion: 4,
      keepalive: 60,
      clean: true,
    }),
  );
  await once(socket, 'data'); // CONNACK
  // Announce a 100 MB PUBLISH; send only its header.
  socket.write(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x32]));
  await once(socket, 'close');
  assert.ok(logged(ep, /exceeds the limit/));
});

test('reserved topics, QoS 2 publishes and deep topics disconnect the publisher', async (t) => {
  const ep = await startTestEndpoint(t);
  const cases: [string, Buffer | string, 0 | 1 | 2, RegExp][] = [
    ['$aws/events/presence/connected/cam-a', 'x', 0, /reserved/],
    ['camlink/devices/cam-a/uploads', 'x', 2, /QoS 2 is not supported/],
    ['camlink/devices/cam-a/a/b/c/d/e/f', 'x', 0, /8 slashes/],
  ];
  const device = await ep.device('cam-a');
  for (const [topic, payload, qos, reason] of cases) {
    ep.clock.advance(1000);
    const client = await ep.connect(device);
    const gone = closed(client);
    client.publish(topic, payload, { qos });
    await gone;
    assert.ok(logged(ep, reason), String(reason));
  }
});

test('connect storms: a second CONNECT within a second for the same client id is refused', async (t) => {
  const ep = await startTestEndpoint(t);
  const device = await ep.device('cam-a');
  await ep.connect(device);
  await assert.rejects(ep.connect(device), /closed before CONNACK/);
  assert.ok(logged(ep, /more than 1 CONNECT per second/));
});

test('a server or verification certificate cannot be used as a device identity', async (t) => {
  const ep = await startTestEndpoint(t);
  const key = await readFile(join(ep.dataDir, 'pki', 'server', 'endpoint.key.pem'));
  const cert = await readFile(join(ep.dataDir, 'pki', 'server', 'endpoint.cert.pem'));
  await assert.rejects(
    connectMqtt(ep.broker.mqttsUrl, { ca: ep.ca, cert, key, clientId: 'localhost', servername: 'localhost' }),
  );
});
