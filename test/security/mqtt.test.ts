/**
 * Security matrix, MQTT endpoint (mutual-TLS MQTT on 8883): every attack is tried for real over
 * sockets (MQTT.js and raw packets) and each row asserts the refusal AWS IoT Core would give, the
 * reason camlink logs, and records what the client saw. Each row runs its own endpoint.
 */
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
import { closed, nextMessage, startTestEndpoint, type TestEndpoint } from '../helpers/endpoint.js';
import { tempDir } from '../helpers/tmp.js';
import { surface } from './matrix.js';
import { tlsHandshakeRefusal } from './observe.js';

const DAY = 86_400_000;
const mqtt = surface('mqtt', 'MQTT endpoint');

function logged(ep: TestEndpoint, pattern: RegExp): boolean {
  return ep.logs.some((l) =>
    pattern.test(`${String(l.msg)} ${typeof l.reason === 'string' ? l.reason : ''}`),
  );
}

/** A bare mutual-TLS handshake to the endpoint with `device`'s certificate; names the refusal. */
function handshake(ep: TestEndpoint, device: { cert: Buffer; key: Buffer }): Promise<string> {
  return tlsHandshakeRefusal({ port: ep.broker.port, ca: ep.ca, cert: device.cert, key: device.key });
}

/** Waits for the socket to close and names what came back before it (no CONNACK expected). */
async function droppedWithoutConnack(ep: TestEndpoint, attempt: Promise<unknown>): Promise<string> {
  await assert.rejects(attempt, /closed before CONNACK/);
  return 'connection closed, no CONNACK';
}

mqtt.row('mqtt-unknown-ca', 'client certificate from another CA', 'TLS handshake fails', async (t) => {
  const ep = await startTestEndpoint(t);
  const otherDir = await tempDir(t);
  const other = pkiContext(otherDir, loadConfig({ env: {} }).pki);
  await initCa(other, { force: false });
  const made = await createDevice(other, 'cam-x', { outDir: otherDir, force: false });
  const foreign = { id: 'cam-x', cert: await readFile(made.certPath), key: await readFile(made.keyPath) };
  const observed = await handshake(ep, foreign);
  assert.ok(logged(ep, /TLS handshake refused/));
  return observed;
});

mqtt.row('mqtt-revoked', 'revoked client certificate (CRL)', 'TLS handshake fails', async (t) => {
  const ep = await startTestEndpoint(t);
  const device = await ep.device('cam-r');
  await revokeDevice(ep.pki, 'cam-r', { reason: 'keyCompromise' });
  ep.broker.reloadTls(await loadTlsServerMaterial(ep.dataDir, ep.pki.store));
  const observed = await handshake(ep, device);
  assert.ok(logged(ep, /TLS handshake refused/));
  return observed;
});

/** A device certificate issued by the right CA with a clock `shiftMs` away from now. */
async function shiftedDevice(ep: TestEndpoint, id: string, shiftMs: number) {
  const shifted = pkiContext(
    ep.dataDir,
    { ...ep.pki.config, deviceValidityDays: 1 },
    { clock: { now: () => new Date(Date.now() + shiftMs) } },
  );
  const made = await createDevice(shifted, id, { outDir: join(ep.dataDir, id), force: false });
  return { id, cert: await readFile(made.certPath), key: await readFile(made.keyPath) };
}

mqtt.row('mqtt-expired', 'expired client certificate', 'TLS handshake fails', async (t) => {
  const ep = await startTestEndpoint(t);
  const observed = await handshake(ep, await shiftedDevice(ep, 'cam-old', -10 * DAY));
  assert.ok(logged(ep, /TLS handshake refused/));
  return observed;
});

mqtt.row('mqtt-not-yet-valid', 'client certificate not yet valid', 'TLS handshake fails', async (t) => {
  const ep = await startTestEndpoint(t);
  const observed = await handshake(ep, await shiftedDevice(ep, 'cam-future', 10 * DAY));
  assert.ok(logged(ep, /TLS handshake refused/));
  return observed;
});

mqtt.row(
  'mqtt-server-cert-as-device',
  'the server certificate used as a device identity',
  'not a registered device certificate: refused',
  async (t) => {
    const ep = await startTestEndpoint(t);
    const key = await readFile(join(ep.dataDir, 'pki', 'server', 'endpoint.key.pem'));
    const cert = await readFile(join(ep.dataDir, 'pki', 'server', 'endpoint.cert.pem'));
    return handshake(ep, { cert, key });
  },
);

mqtt.row(
  'mqtt-client-id-spoofing',
  'certificate of cam-a connecting with client id cam-b',
  'connection dropped, no CONNACK',
  async (t) => {
    const ep = await startTestEndpoint(t);
    await ep.device('cam-b');
    const a = await ep.device('cam-a');
    const observed = await droppedWithoutConnack(ep, ep.connect(a, { clientId: 'cam-b' }));
    assert.ok(logged(ep, /is not the certificate's thing name/));
    return observed;
  },
);

mqtt.row(
  'mqtt-client-id-wildcards',
  'client id `+`, `#`, `cam-a/x` or empty',
  'connection refused at CONNECT',
  async (t) => {
    const ep = await startTestEndpoint(t);
    const a = await ep.device('cam-a');
    const seen = new Set<string>();
    for (const clientId of ['+', '#', 'cam-a/x', '']) {
      ep.clock.advance(1000);
      await assert.rejects(ep.connect(a, { clientId }), (err: Error) => {
        seen.add(/closed before CONNACK/.test(err.message) ? 'connection closed, no CONNACK' : err.message);
        return true;
      });
    }
    return [...seen].sort().join('; ');
  },
);

mqtt.row(
  'mqtt-client-id-spoofing-connack',
  'client id spoofing with `broker.authFailure: connack`',
  'CONNACK 5 (not authorized)',
  async (t) => {
    const ep = await startTestEndpoint(t, { config: { broker: { authFailure: 'connack' } } });
    const a = await ep.device('cam-a');
    let code: number | undefined;
    await assert.rejects(ep.connect(a, { clientId: 'cam-b' }), (err: Error & { code?: number }) => {
      code = err.code;
      return /Not authorized/i.test(err.message);
    });
    assert.equal(code, 5);
    return `CONNACK ${code}`;
  },
);

mqtt.row(
  'mqtt-publish-other-device',
  "publish to another device's topic",
  'connection closed, not delivered',
  async (t) => {
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
    return 'connection closed (FORBIDDEN_ACCESS), not delivered';
  },
);

mqtt.row(
  'mqtt-subscribe-outside',
  "subscribe to another device's topic, `#`, `camlink/#`, `camlink/devices/+/commands`, `$SYS/#`",
  'SUBACK failure (0x80)',
  async (t) => {
    const ep = await startTestEndpoint(t);
    const a = await ep.connect(await ep.device('cam-a'));
    const granted = new Set<number>();
    for (const filter of [
      'camlink/devices/cam-b/commands',
      '#',
      'camlink/#',
      'camlink/devices/+/commands',
      '$SYS/#',
    ]) {
      await assert.rejects(
        a.subscribeAsync(filter, { qos: 1 }),
        (err: { packet?: { granted?: number[] } }) => {
          granted.add(err.packet?.granted?.[0] ?? -1);
          return err.packet?.granted?.[0] === 128;
        },
        filter,
      );
    }
    const own = await a.subscribeAsync('camlink/devices/cam-a/commands', { qos: 2 });
    assert.equal(own[0]?.qos, 1, 'QoS 2 is granted as QoS 1');
    return [...granted].map((g) => `SUBACK 0x${g.toString(16)}`).join(', ');
  },
);

mqtt.row(
  'mqtt-join-backend-share',
  "a camera joins the backend's shared subscription `$share/camlink-backend/camlink/devices/+/upload-url/request` to take other cameras' upload-URL requests",
  'SUBACK failure (0x80); the requests still reach the group',
  async (t) => {
    const ep = await startTestEndpoint(t, { operators: ['backend'] });
    const shared = '$share/camlink-backend/camlink/devices/+/upload-url/request';
    const backend = await ep.connect(await ep.device('backend'));
    await backend.subscribeAsync(shared, { qos: 1 });
    const a = await ep.connect(await ep.device('cam-a'));
    let code = -1;
    await assert.rejects(a.subscribeAsync(shared, { qos: 1 }), (err: { packet?: { granted?: number[] } }) => {
      code = err.packet?.granted?.[0] ?? -1;
      return code === 128;
    });
    const stolen: string[] = [];
    a.on('message', (topic) => stolen.push(topic));
    const b = await ep.connect(await ep.device('cam-b'));
    const request = nextMessage(backend, 'camlink/devices/cam-b/upload-url/request');
    await b.publishAsync('camlink/devices/cam-b/upload-url/request', '{"clientToken":"r1"}', { qos: 1 });
    assert.equal((await request).toString(), '{"clientToken":"r1"}');
    assert.deepEqual(stolen, []);
    return `SUBACK 0x${code.toString(16)}; the request reached the group`;
  },
);

mqtt.row(
  'mqtt-receive-other-device',
  "receive another device's message through an allowed filter",
  'not delivered',
  async (t) => {
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
    return 'not delivered (only its own message arrived)';
  },
);

mqtt.row(
  'mqtt-plaintext',
  'plaintext MQTT when `broker.devPlaintext` is off',
  'nothing listens; no CONNACK on the TLS port',
  async (t) => {
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
    return 'no plaintext listener; plain CONNECT on the TLS port: closed, no CONNACK';
  },
);

mqtt.row('mqtt-oversize-payload', 'PUBLISH payload of 128 KB + 1', 'connection closed', async (t) => {
  const ep = await startTestEndpoint(t);
  const a = await ep.connect(await ep.device('cam-a'));
  const aClosed = closed(a);
  a.publish('camlink/devices/cam-a/uploads', Buffer.alloc(131_073), { qos: 0 });
  await aClosed;
  assert.ok(logged(ep, /payload is 131073 bytes; the limit is 131072/));
  return 'connection closed (payload over 131072 bytes)';
});

mqtt.row('mqtt-oversize-header', 'a PUBLISH header announcing 100 MB', 'connection closed', async (t) => {
  const ep = await startTestEndpoint(t);
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
  return 'connection closed after the 5-byte header, nothing buffered';
});

mqtt.row(
  'mqtt-reserved-qos2-deep',
  'publish to `$aws/...`, a QoS 2 publish, a topic with 8 slashes',
  'connection closed',
  async (t) => {
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
    return 'connection closed, reason logged (each)';
  },
);

mqtt.row(
  'mqtt-connect-storm',
  'a second CONNECT within a second for one client id',
  'throttled: connection dropped',
  async (t) => {
    const ep = await startTestEndpoint(t);
    const device = await ep.device('cam-a');
    await ep.connect(device);
    const observed = await droppedWithoutConnack(ep, ep.connect(device));
    assert.ok(logged(ep, /more than 1 CONNECT per second/));
    return observed;
  },
);

mqtt.done();
