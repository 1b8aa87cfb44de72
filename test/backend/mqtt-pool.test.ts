/**
 * The backend's MQTT pool (src/backend/mqtt/pool.ts) against the embedded endpoint: several connections
 * on the one backend certificate (things camlink-backend-2, ...), requests spread over them by the shared
 * subscription, each delivered once; publishes paced per connection and refused past the queue bound.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test, type TestContext } from 'node:test';
import type { MqttClient } from 'mqtt';
import { openMqttPool, type MqttPool, type MqttPoolOptions } from '../../src/backend/mqtt/pool.js';
import { createLogger } from '../../src/log/logger.js';
import { startTestBackend, type TestBackend } from '../helpers/backend-app.js';
import { provision } from '../helpers/backend-devices.js';
import { connectMqtt } from '../helpers/endpoint.js';

async function pool(t: TestContext, b: TestBackend, options: MqttPoolOptions): Promise<MqttPool> {
  const identity = b.services.mqtt;
  assert.ok(identity, 'the embedded platform gives the backend an MQTT identity');
  const opened = await openMqttPool(identity, createLogger({ level: 'silent' }), options);
  t.after(() => opened.close());
  return opened;
}

async function camera(t: TestContext, b: TestBackend, id: string): Promise<MqttClient> {
  const files = await provision(b, id);
  const client = await connectMqtt(b.platform.endpoints.mqtt, {
    clientId: id,
    key: files.keyPem,
    cert: files.certificatePem,
    ca: await readFile(b.platform.endpoints.caPath),
    servername: 'localhost',
  });
  t.after(() => client.end(true));
  return client;
}

/** Every message the client receives; until(n) resolves once n arrived in all. */
function inbox(client: MqttClient) {
  const got: string[] = [];
  const waiting: { count: number; resolve: () => void }[] = [];
  client.on('message', (_topic, payload) => {
    got.push(payload.toString());
    for (const w of waiting) if (got.length >= w.count) w.resolve();
  });
  return {
    got,
    until: (count: number) =>
      new Promise<void>((resolve) => {
        if (got.length >= count) resolve();
        else waiting.push({ count, resolve });
      }),
  };
}

test('requests spread over the pool by the shared subscription arrive once each', async (t) => {
  const b = await startTestBackend(t, 'sqlite');
  const p = await pool(t, b, { connections: 3, publishesPerSecond: 90, maxQueuedPublishes: 100 });
  assert.equal(p.stats.connections, 3, 'three connections on one certificate');
  const got: string[] = [];
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  await p.subscribe('camlink/devices/+/upload-url/request', (_topic, payload) => {
    got.push(payload.toString());
    if (got.length === 30) done();
  });
  assert.equal(p.stats.shared, true);
  const cam = await camera(t, b, 'cam-1');
  for (let i = 0; i < 30; i++) {
    await cam.publishAsync('camlink/devices/cam-1/upload-url/request', `r${i}`, { qos: 1 });
  }
  await all;
  assert.deepEqual(got.sort(), Array.from({ length: 30 }, (_, i) => `r${i}`).sort());
});

test('publishes beyond the per-connection quota wait, and past the queue bound are refused', async (t) => {
  const b = await startTestBackend(t, 'sqlite');
  let now = 0;
  const p = await pool(t, b, {
    connections: 2,
    publishesPerSecond: 5,
    maxQueuedPublishes: 4,
    clock: { now: () => new Date(now) },
  });
  const cam = await camera(t, b, 'cam-1');
  await cam.subscribeAsync('camlink/devices/cam-1/upload-url/accepted', { qos: 1 });
  const messages = inbox(cam);
  // 2 connections x 5 tokens go out at once; the clock stands still, so the next 4 wait.
  const sent = Array.from({ length: 14 }, (_, i) =>
    p.publish('camlink/devices/cam-1/upload-url/accepted', `p${i}`, 1),
  );
  assert.equal(p.stats.queued, 4);
  await assert.rejects(
    p.publish('camlink/devices/cam-1/upload-url/accepted', 'one too many', 1),
    /4 MQTT publishes are waiting for the per-connection quota/,
  );
  await messages.until(10);
  assert.equal(p.stats.queued, 4, 'nothing more went out while the clock stood still');
  // A second later each connection has its 5 tokens back: the 4 waiting ones go.
  now += 1000;
  await Promise.all(sent);
  await messages.until(14);
  assert.deepEqual(messages.got.sort(), Array.from({ length: 14 }, (_, i) => `p${i}`).sort());
  assert.equal(p.stats.queued, 0);
});
