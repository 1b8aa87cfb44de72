/**
 * Multi-node option against the machine's Redis: two broker processes' worth of aedes (two endpoints on
 * their own ports) share mqemitter-redis and aedes-persistence-redis; a message published on one node
 * reaches a subscriber on the other, and policies hold on both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { startBroker } from '../../src/broker/broker.js';
import { loadTlsServerMaterial } from '../../src/pki/tls-material.js';
import { PkiIdentityResolver } from '../../src/broker/pki-identity.js';
import {
  ExtraPolicies,
  allowAllPolicy,
  connectMqtt,
  nextMessage,
  startTestEndpoint,
} from '../helpers/endpoint.js';

const REDIS_URL = process.env.CAMLINK_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/11';

test('two nodes sharing Redis route messages between each other', async (t) => {
  const config = { broker: { redis: { enabled: true, url: REDIS_URL } } };
  const node1 = await startTestEndpoint(t, { config, operators: [] });
  const run = randomBytes(4).toString('hex');
  const backendId = `backend-${run}`;
  const camId = `cam-${run}`;
  const scope = { partition: 'aws' as const, region: 'us-east-1', account: '000000000000' };
  const node2 = await startBroker({
    id: `node2-${run}`,
    config: loadConfig({ env: {}, flags: { broker: { port: 0, redis: { enabled: true, url: REDIS_URL } } } })
      .broker,
    scope,
    tls: await loadTlsServerMaterial(node1.dataDir, node1.pki.store),
    identity: new ExtraPolicies(new PkiIdentityResolver(node1.pki.store, scope), {
      [backendId]: [allowAllPolicy],
    }),
    logger: createLogger({ level: 'silent' }),
  });
  t.after(() => node2.close());

  const camFiles = await node1.device(camId);
  const backendFiles = await node1.device(backendId);
  const backend = await connectMqtt(node2.mqttsUrl, {
    ca: node1.ca,
    cert: backendFiles.cert,
    key: backendFiles.key,
    clientId: backendId,
    servername: 'localhost',
  });
  t.after(() => backend.end(true));
  await backend.subscribeAsync(`camlink/devices/${camId}/uploads`, { qos: 1 });
  const cam = await node1.connect(camFiles);

  const arrived = nextMessage(backend, `camlink/devices/${camId}/uploads`);
  await cam.publishAsync(`camlink/devices/${camId}/uploads`, 'across nodes', { qos: 1 });
  assert.equal((await arrived).toString(), 'across nodes');

  // The device policy holds on node 1 for messages routed from node 2.
  const seen: string[] = [];
  cam.on('message', (topic) => seen.push(topic));
  await cam.subscribeAsync(`camlink/devices/${camId}/commands`, { qos: 1 });
  const command = nextMessage(cam, `camlink/devices/${camId}/commands`);
  await backend.publishAsync(`camlink/devices/other-${run}/commands`, 'not yours', { qos: 1 });
  await backend.publishAsync(`camlink/devices/${camId}/commands`, 'yours', { qos: 1 });
  assert.equal((await command).toString(), 'yours');
  assert.deepEqual(seen, [`camlink/devices/${camId}/commands`]);

  // Retained messages live in Redis: stored through node 2, delivered on a new subscription on node 1.
  await backend.publishAsync(`camlink/devices/${camId}/commands/config`, 'retained', {
    qos: 1,
    retain: true,
  });
  const retained = nextMessage(cam, `camlink/devices/${camId}/commands/config`);
  await cam.subscribeAsync(`camlink/devices/${camId}/commands/config`, { qos: 1 });
  assert.equal((await retained).toString(), 'retained');
  await backend.publishAsync(`camlink/devices/${camId}/commands/config`, '', { qos: 1, retain: true });
});
