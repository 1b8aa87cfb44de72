/**
 * The camera agent against the platform as `camlink up` runs it: the app (BackendClient) pairs and
 * hands over an upload target; the agent PUTs the picture with progress and announces it; the backend
 * records it. A network drop between the PUT and the publish, and a restart of the agent, lose nothing:
 * the notification waits in the on-disk outbox and goes out when the camera is back. A camera online
 * without the app gets its upload target over MQTT request/response from the backend.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { BackendEvent } from '../../src/app/backend-client.js';
import { CameraAgent } from '../../src/device/agent.js';
import type { Timers } from '../../src/device/session.js';
import { isCamlinkError } from '../../src/errors/camlink-error.js';
import { sampleJpeg } from '../../src/device/sample-images.js';
import { createLogger } from '../../src/log/logger.js';
import { signChallenge } from '../helpers/backend-devices.js';
import { appWorld } from '../helpers/app-world.js';
import { SkewClock } from '../helpers/endpoint.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

async function setup(t: TestContext) {
  const clock = new SkewClock();
  const dir = await tempDir(t);
  const { platform } = await startTestPlatform(t, join(dir, 'platform'), {
    clock,
    extra: { backend: { reconciler: { waitTimeSeconds: 1 } } },
  });
  const e = platform.endpoints;
  const world = await appWorld(t, platform);
  const { ca } = world;
  const agent = world.httpsAgent;
  const cam = await world.provision('cam-agent');
  const { client: app } = await world.user('Alice');
  const challenge = await app.createChallenge('cam-agent');
  await app.pair(challenge.challengeId, Buffer.from(signChallenge(challenge, cam.key), 'base64'));

  // The app's event stream: resolves upload.completed by upload id.
  const completed = new Map<string, (e: BackendEvent) => void>();
  const seen = new Map<string, BackendEvent>();
  const abort = new AbortController();
  t.after(() => abort.abort());
  await new Promise<void>((opened) => {
    void app.watch(
      (event) => {
        const id = String(event.data.uploadId);
        seen.set(id, event);
        completed.get(id)?.(event);
      },
      abort.signal,
      opened,
    );
  });
  const recorded = (uploadId: string) =>
    new Promise<BackendEvent>((resolve) => {
      const already = seen.get(uploadId);
      if (already) resolve(already);
      else completed.set(uploadId, resolve);
    });

  // Reconnect waits run at once and move the endpoint's clock by the wait: deterministic, no sleeping.
  const reconnects: number[] = [];
  const reconnectTimers: Timers = {
    set: (fn, ms) => {
      reconnects.push(ms);
      clock.advance(ms);
      return setImmediate(fn);
    },
    clear: (handle) => clearImmediate(handle as NodeJS.Immediate),
  };
  const startAgent = () =>
    CameraAgent.start({
      deviceId: 'cam-agent',
      mqttUrl: e.mqtt,
      cert: cam.certificatePem,
      key: cam.keyPem,
      ca,
      outboxDir: join(dir, 'outbox'),
      httpsAgent: agent,
      clock: { now: () => new Date() },
      reconnectTimers,
      logger: createLogger({ level: 'silent' }),
    });
  const picture = async (name: string) => {
    const file = join(dir, name);
    await writeFile(file, sampleJpeg(name));
    return file;
  };
  return { app, clock, startAgent, picture, recorded, reconnects };
}

test('the agent PUTs with progress, announces, and the backend records the upload', async (t) => {
  const s = await setup(t);
  const agent = await s.startAgent();
  t.after(() => agent.stop());
  await agent.waitConnected();
  const file = await s.picture('IMG_0001.JPG');
  const target = await s.app.issueUpload('cam-agent', { contentType: 'image/jpeg' });
  const progress: number[] = [];
  const { put, notification } = await agent.uploadAndAnnounce(file, target, {
    contentType: 'image/jpeg',
    onProgress: (sent) => progress.push(sent),
  });
  assert.equal(progress[progress.length - 1], put.size);
  const event = await s.recorded(target.uploadId);
  assert.equal(event.data.sha256, notification.sha256);
  assert.equal((await s.app.getUpload(target.uploadId)).upload.status, 'done');
  assert.deepEqual(await agent.outbox.pending(), [], 'nothing left behind');
});

test('a drop between PUT and publish, then a restart of the agent, loses no notification', async (t) => {
  const s = await setup(t);
  const first = await s.startAgent();
  await first.waitConnected();
  await first.stop(); // the network is gone
  const target = await s.app.issueUpload('cam-agent', { contentType: 'image/jpeg' });
  await first.uploadAndAnnounce(await s.picture('IMG_0002.JPG'), target, { contentType: 'image/jpeg' });
  const waiting = await first.outbox.pending();
  assert.deepEqual(
    waiting.map((w) => w.notification.uploadId),
    [target.uploadId],
    'the PUT went through; the notification waits on disk',
  );
  assert.equal((await s.app.getUpload(target.uploadId)).upload.status, 'pending');

  s.clock.advance(1000); // the endpoint allows one CONNECT per second per client id
  const second = await s.startAgent(); // the agent restarts on the same outbox
  t.after(() => second.stop());
  await s.recorded(target.uploadId);
  await second.drain();
  assert.deepEqual(await second.outbox.pending(), []);
  assert.equal((await s.app.getUpload(target.uploadId)).upload.status, 'done');
});

test('the MQTT connection drops right after the PUT: the notification waits and goes out on reconnect', async (t) => {
  const s = await setup(t);
  const agent = await s.startAgent();
  t.after(() => agent.stop());
  await agent.waitConnected();
  const offline = new Promise((resolve) => agent.session.once('offline', resolve));
  const back = new Promise((resolve) => agent.session.once('connected', resolve));
  const target = await s.app.issueUpload('cam-agent', { contentType: 'image/jpeg' });
  const file = await s.picture('IMG_0003.JPG');
  await agent.uploadAndAnnounce(file, target, {
    contentType: 'image/jpeg',
    // The last byte is on its way to the store: the network goes (the socket, not the agent).
    onProgress: (sent, total) => {
      if (sent === total) agent.session.client.stream.destroy();
    },
  });
  await offline;
  await back;
  assert.ok(s.reconnects.length >= 1 && s.reconnects.every((ms) => ms >= 1000), 'backoff of at least 1 s');
  const event = await s.recorded(target.uploadId);
  assert.equal(event.data.uploadId, target.uploadId);
  await agent.drain();
  assert.deepEqual(await agent.outbox.pending(), []);
  const { uploads } = await s.app.listUploads('cam-agent');
  assert.equal(uploads.filter((u) => u.uploadId === target.uploadId && u.status === 'done').length, 1);
});

test('upload URL over MQTT request/response: the target works end to end; a refusal is typed', async (t) => {
  const s = await setup(t);
  const agent = await s.startAgent();
  t.after(() => agent.stop());
  await agent.waitConnected();
  const file = await s.picture('IMG_0004.JPG');
  const target = await agent.requestUploadUrl({ contentType: 'image/jpeg' });
  assert.match(target.put.url, /^https:/);
  await agent.uploadAndAnnounce(file, target, { contentType: 'image/jpeg' });
  await s.recorded(target.uploadId);
  assert.equal((await s.app.getUpload(target.uploadId)).upload.status, 'done');

  await assert.rejects(agent.requestUploadUrl({ contentType: 'text/plain' }), (err: unknown) => {
    assert.ok(isCamlinkError(err, 'UPLOAD_URL_REJECTED'));
    assert.equal(err.details?.code, 'UPLOAD_CONTENT_TYPE_NOT_ALLOWED');
    assert.equal(err.details?.retryable, false, 'asking again will not help');
    return true;
  });
  await assert.rejects(agent.requestUploadUrl({ contentType: 'image/jpeg', size: 0 }), {
    code: 'VALIDATION_FAILED',
  });
});
