/**
 * The app's backend client against the platform's real backend over HTTPS: typed calls, the backend's
 * error codes come back as CamlinkErrors, pairing and an upload, and the event stream delivers the
 * upload.completed of a camera's announcement.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackendClient, type BackendEvent } from '../../src/app/backend-client.js';
import { isCamlinkError } from '../../src/errors/camlink-error.js';
import { announceUpload, signChallenge } from '../helpers/backend-devices.js';
import { appWorld } from '../helpers/app-world.js';
import { connectMqtt } from '../helpers/endpoint.js';
import { rawRequest } from '../helpers/https.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

test('the app client pairs, gets an upload URL and sees the upload recorded on its event stream', async (t) => {
  const { platform } = await startTestPlatform(t, await tempDir(t), {
    extra: { backend: { reconciler: { waitTimeSeconds: 1 } } },
  });
  const e = platform.endpoints;
  const world = await appWorld(t, platform);
  const { ca } = world;
  const agent = world.httpsAgent;
  const cam = await world.provision('cam-app');
  const certificatePem = cam.certificatePem;
  const { client } = await world.user('Alice');
  assert.equal((await client.me()).kind, 'user');

  // Errors keep the backend's code.
  await assert.rejects(client.createChallenge('cam-nobody'), (err) => isCamlinkError(err, 'NOT_FOUND'));
  const stranger = new BackendClient({ baseUrl: e.api, token: 'clk_not-a-real-token', ca });
  t.after(() => stranger.close());
  await assert.rejects(stranger.me(), (err) => isCamlinkError(err, 'AUTH_INVALID'));
  await assert.rejects(client.issueUpload('cam-app', { contentType: 'image/jpeg' }), (err) =>
    isCamlinkError(err, 'NOT_FOUND'),
  );

  const challenge = await client.createChallenge('cam-app');
  const paired = await client.pair(
    challenge.challengeId,
    Buffer.from(signChallenge(challenge, cam.key), 'base64'),
  );
  assert.equal(paired.device.deviceId, 'cam-app');

  // The event stream is open before the camera announces.
  const abort = new AbortController();
  t.after(() => abort.abort());
  const events: BackendEvent[] = [];
  let opened!: () => void;
  const open = new Promise<void>((resolve) => (opened = resolve));
  let recorded!: (event: BackendEvent) => void;
  const completed = new Promise<BackendEvent>((resolve) => (recorded = resolve));
  const watching = client.watch(
    (event) => {
      events.push(event);
      if (event.type === 'upload.completed') recorded(event);
    },
    abort.signal,
    () => opened(),
  );
  await open;

  const photo = Buffer.from('through the app client');
  const issued = await client.issueUpload('cam-app', { contentType: 'image/jpeg', size: photo.length });
  const put = await rawRequest(agent, issued.put.url, {
    method: 'PUT',
    headers: issued.put.headers,
    body: photo,
  });
  assert.equal(put.status, 200);
  const camera = await connectMqtt(e.mqtt, {
    clientId: 'cam-app',
    key: cam.keyPem,
    cert: certificatePem,
    ca,
    servername: 'localhost',
  });
  t.after(() => camera.end(true));
  await announceUpload(camera, 'cam-app', issued, photo);
  const event = await completed;
  assert.equal(event.data.uploadId, issued.uploadId);
  assert.equal((await client.getUpload(issued.uploadId)).upload.status, 'done');
  const listed = await client.listUploads('cam-app');
  assert.deepEqual(
    listed.uploads.map((u) => u.uploadId),
    [issued.uploadId],
  );
  abort.abort();
  await watching;
  // One completion; the stream also carries the camera's presence (device.presence) since it connected.
  assert.equal(events.filter((ev) => ev.type === 'upload.completed').length, 1);
  assert.deepEqual(
    [...new Set(events.map((ev) => ev.type))].filter((type) => type !== 'device.presence'),
    ['upload.completed'],
  );
});
