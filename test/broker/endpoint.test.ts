/** The endpoint with MQTT.js: devices talk under their own prefix, presence events, revocation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { revokeDevice } from '../../src/pki/crl.js';
import { loadTlsServerMaterial } from '../../src/pki/tls-material.js';
import { closed, nextMessage, startTestEndpoint } from '../helpers/endpoint.js';

test('a device publishes and receives under its own prefix over mutual TLS', async (t) => {
  const ep = await startTestEndpoint(t, { operators: ['backend'] });
  const cam = await ep.connect(await ep.device('cam-1'));
  const backend = await ep.connect(await ep.device('backend'));
  await backend.subscribeAsync('camlink/devices/+/uploads', { qos: 1 });
  await cam.subscribeAsync('camlink/devices/cam-1/commands', { qos: 1 });

  const upload = nextMessage(backend, 'camlink/devices/cam-1/uploads');
  await cam.publishAsync('camlink/devices/cam-1/uploads', '{"key":"a.jpg"}', { qos: 1 });
  assert.equal((await upload).toString(), '{"key":"a.jpg"}');

  const command = nextMessage(cam, 'camlink/devices/cam-1/commands');
  await backend.publishAsync('camlink/devices/cam-1/commands', 'capture', { qos: 1 });
  assert.equal((await command).toString(), 'capture');
});

test('presence events carry AWS fields; disconnect reasons are reported', async (t) => {
  const ep = await startTestEndpoint(t, { operators: ['watcher'] });
  const watcher = await ep.connect(await ep.device('watcher'));
  await watcher.subscribeAsync('$aws/events/presence/+/+', { qos: 1 });
  const device = await ep.device('cam-2');

  const connectedEvent = nextMessage(watcher, '$aws/events/presence/connected/cam-2');
  const cam = await ep.connect(device);
  const connected = JSON.parse((await connectedEvent).toString()) as Record<string, unknown>;
  assert.equal(connected.clientId, 'cam-2');
  assert.equal(connected.eventType, 'connected');
  assert.match(String(connected.principalIdentifier), /^[0-9a-f]{64}$/);
  assert.equal(connected.ipAddress, '127.0.0.1');
  assert.equal(typeof connected.sessionIdentifier, 'string');
  assert.equal(typeof connected.timestamp, 'number');

  const disconnectedEvent = nextMessage(watcher, '$aws/events/presence/disconnected/cam-2');
  await cam.endAsync();
  const disconnected = JSON.parse((await disconnectedEvent).toString()) as Record<string, unknown>;
  assert.equal(disconnected.eventType, 'disconnected');
  assert.equal(disconnected.disconnectReason, 'CLIENT_INITIATED_DISCONNECT');
  assert.equal(disconnected.clientInitiatedDisconnect, true);
  assert.equal(disconnected.sessionIdentifier, connected.sessionIdentifier);
  assert.equal(disconnected.versionNumber, connected.versionNumber);

  // A second connection with the same client id takes over: the first ends with DUPLICATE_CLIENTID.
  ep.clock.advance(1000); // AWS allows 1 CONNECT per second per client id
  const first = await ep.connect(device);
  const takeover = nextMessage(watcher, '$aws/events/presence/disconnected/cam-2');
  const firstClosed = closed(first);
  ep.clock.advance(1000);
  await ep.connect(device);
  const duplicate = JSON.parse((await takeover).toString()) as Record<string, unknown>;
  assert.equal(duplicate.disconnectReason, 'DUPLICATE_CLIENTID');
  await firstClosed;
});

test('revoking a connected device closes its session and refuses it afterwards', async (t) => {
  const ep = await startTestEndpoint(t);
  const device = await ep.device('cam-3');
  const cam = await ep.connect(device);
  await revokeDevice(ep.pki, 'cam-3', { reason: 'keyCompromise' });
  ep.broker.reloadTls(await loadTlsServerMaterial(ep.dataDir, ep.pki.store));
  const gone = closed(cam);
  assert.equal(await ep.broker.enforceRevocations(), 1);
  await gone;
  await assert.rejects(ep.connect(device));
  assert.ok(ep.logs.some((l) => l.reason === 'AUTH_ERROR' && l.clientId === 'cam-3'));
});
