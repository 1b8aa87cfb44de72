/**
 * Upload URLs over MQTT request/response (src/contracts/upload-url.ts): a camera online without the app
 * asks on camlink/devices/{id}/upload-url/request and gets exactly one answer on .../accepted or
 * .../rejected, through the real endpoint (mutual TLS, device and backend policies), on SQLite and
 * PostgreSQL. The URL it gets works against the real object store.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent } from 'node:https';
import type { TestContext } from 'node:test';
import type { MqttClient } from 'mqtt';
import { openMqttSession } from '../../src/backend/mqtt/session.js';
import {
  startUploadUrlResponder,
  type UploadUrlResponder,
} from '../../src/backend/mqtt/upload-url-responder.js';
import { issueUpload } from '../../src/backend/uploads/issue.js';
import { createLogger } from '../../src/log/logger.js';
import { pkiContext } from '../../src/pki/context.js';
import { createDevice } from '../../src/pki/device.js';
import { backendTest, type TestBackend } from '../helpers/backend-app.js';
import { pairedDevice, provision } from '../helpers/backend-devices.js';
import { connectMqtt } from '../helpers/endpoint.js';
import { rawRequest } from '../helpers/https.js';

interface Answer {
  topic: string;
  body: Record<string, unknown>;
}

async function responder(t: TestContext, b: TestBackend): Promise<UploadUrlResponder> {
  const identity = b.services.mqtt;
  assert.ok(identity, 'the embedded platform gives the backend an MQTT identity');
  const logger = createLogger({ level: 'silent' });
  const session = await openMqttSession(identity, logger);
  t.after(() => session.close());
  const deps = { store: b.store, clock: b.clock, config: b.config, services: b.services };
  return startUploadUrlResponder({
    session,
    store: b.store,
    objects: b.services.objects,
    issue: (input) => issueUpload(deps, input),
    logger,
  });
}

/** A camera's MQTT session, subscribed to its own upload-url answers. */
async function camera(
  t: TestContext,
  b: TestBackend,
  deviceId: string,
  files: { keyPem: string; certificatePem: string },
): Promise<{ client: MqttClient; ask: (payload: string | object) => Promise<Answer> }> {
  const client = await connectMqtt(b.platform.endpoints.mqtt, {
    clientId: deviceId,
    key: files.keyPem,
    cert: files.certificatePem,
    ca: await readFile(b.platform.endpoints.caPath),
    servername: 'localhost',
  });
  t.after(() => client.end(true));
  await client.subscribeAsync(`camlink/devices/${deviceId}/upload-url/+`, { qos: 1 });
  const ask = async (payload: string | object): Promise<Answer> => {
    const answered = new Promise<Answer>((resolve) => {
      const onMessage = (topic: string, body: Buffer) => {
        if (!topic.endsWith('/accepted') && !topic.endsWith('/rejected')) return;
        client.removeListener('message', onMessage);
        resolve({ topic, body: JSON.parse(body.toString()) as Record<string, unknown> });
      };
      client.on('message', onMessage);
    });
    await client.publishAsync(
      `camlink/devices/${deviceId}/upload-url/request`,
      typeof payload === 'string' ? payload : JSON.stringify(payload),
      { qos: 1 },
    );
    return answered;
  };
  return { client, ask };
}

backendTest('a camera asks for an upload URL over MQTT and PUTs with it', async (t, b) => {
  const { user, device } = await pairedDevice(b, 'cam-1');
  await responder(t, b);
  const cam = await camera(t, b, 'cam-1', device);
  const photo = Buffer.from('a photo taken without the app');
  const sha256 = createHash('sha256').update(photo).digest('hex');

  const answer = await cam.ask({
    clientToken: 'req-1',
    contentType: 'image/jpeg',
    size: photo.length,
    sha256,
  });
  assert.equal(answer.topic, 'camlink/devices/cam-1/upload-url/accepted');
  const accepted = answer.body as {
    clientToken: string;
    uploadId: string;
    key: string;
    url: string;
    put: { url: string; headers: Record<string, string> };
  };
  assert.equal(accepted.clientToken, 'req-1');
  assert.match(accepted.key, new RegExp(`^devices/cam-1/${accepted.uploadId}\\.jpg$`));
  const row = await b.store.findUpload(accepted.uploadId);
  assert.equal(row?.requestedBy, 'device');
  assert.equal(row?.userId, user.id, 'the upload belongs to the device owner');
  assert.equal(row?.status, 'pending');

  const agent = new Agent({ ca: await readFile(b.platform.endpoints.caPath) });
  t.after(() => agent.destroy());
  const put = await rawRequest(agent, accepted.put.url, {
    method: 'PUT',
    headers: accepted.put.headers,
    body: photo,
  });
  assert.equal(put.status, 200, put.body.toString());
  const head = await b.services.objects.head(b.config.backend.uploads.bucket, accepted.key);
  assert.equal(head?.size, photo.length);
  assert.equal(head?.sha256, sha256);
  assert.equal(accepted.url, b.services.objects.objectUrl(b.config.backend.uploads.bucket, accepted.key));
});

backendTest('bad requests are answered on rejected with a code and change nothing', async (t, b) => {
  const { device } = await pairedDevice(b, 'cam-1');
  const unregistered = await provision(b, 'cam-2');
  await b.call('DELETE', '/v1/devices/cam-2/pairing', { token: b.operatorToken });
  const r = await responder(t, b);
  const cam = await camera(t, b, 'cam-1', device);
  const before = await b.store.countRows();
  const cases: [string | object, string, string | undefined][] = [
    ['not json', 'VALIDATION_FAILED', undefined],
    [{ clientToken: 'r2', contentType: 'image/jpeg', extra: 1 }, 'VALIDATION_FAILED', 'r2'],
    [{ clientToken: 'r3', contentType: 'text/html' }, 'UPLOAD_CONTENT_TYPE_NOT_ALLOWED', 'r3'],
    [
      { clientToken: 'r4', contentType: 'image/jpeg', size: b.config.backend.uploads.maxBytes + 1 },
      'UPLOAD_TOO_LARGE',
      'r4',
    ],
    [{ clientToken: 'r5', contentType: 'image/jpeg', sha256: 'xyz' }, 'VALIDATION_FAILED', 'r5'],
    [{ clientToken: 'bad token with spaces', contentType: 'image/jpeg' }, 'VALIDATION_FAILED', undefined],
    ['x'.repeat(5_000), 'PAYLOAD_TOO_LARGE', undefined],
  ];
  for (const [payload, code, token] of cases) {
    const answer = await cam.ask(payload);
    assert.equal(
      answer.topic,
      'camlink/devices/cam-1/upload-url/rejected',
      `${code}: ${JSON.stringify(answer.body)}`,
    );
    assert.equal(answer.body.code, code);
    assert.equal(answer.body.clientToken, token);
    assert.equal(typeof answer.body.message, 'string');
  }
  assert.deepEqual(await b.store.countRows(), before);
  assert.equal(r.stats.rejected, cases.length);

  // An unpaired device is served; its upload belongs to nobody until someone pairs the device.
  const cam2 = await camera(t, b, 'cam-2', unregistered);
  const ok = await cam2.ask({ clientToken: 'u1', contentType: 'image/png' });
  assert.equal(ok.topic, 'camlink/devices/cam-2/upload-url/accepted');
  const row = await b.store.findUpload(String(ok.body.uploadId));
  assert.equal(row?.userId, undefined, 'an unpaired device uploads for nobody yet');
});

backendTest('a device the backend does not know (JITP only) is refused with NOT_FOUND', async (t, b) => {
  await responder(t, b);
  const made = await createDevice(pkiContext(b.config.dataDir, b.config.pki), 'cam-x', {
    outDir: join(b.config.dataDir, 'devices'),
    force: false,
  });
  const files = {
    keyPem: await readFile(made.keyPath, 'utf8'),
    certificatePem: await readFile(made.certPath, 'utf8'),
  };
  await assert.rejects(
    camera(t, b, 'cam-x', files),
    /closed before CONNACK/,
    'JITP drops the first connection',
  );
  b.platformClock.advance(1000); // a device retries after a back-off (1 CONNECT per second per client id)
  const cam = await camera(t, b, 'cam-x', files);
  const before = await b.store.countRows();
  const answer = await cam.ask({ clientToken: 'j1', contentType: 'image/jpeg' });
  assert.equal(answer.topic, 'camlink/devices/cam-x/upload-url/rejected');
  assert.equal(answer.body.code, 'NOT_FOUND');
  assert.deepEqual(await b.store.countRows(), before);
});
