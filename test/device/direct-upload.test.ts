/**
 * The heart of the product, end to end with every hop real: the app (camlink's PTP/IP initiator + the
 * backend client) pairs with the camera by having it sign the backend's challenge over PTP/IP, gets a
 * pre-signed URL from the backend and hands it to the camera over PTP/IP; the camera captures, PUTs the
 * picture to the object store over HTTPS, announces it on MQTT; the topic rule queues it, the backend
 * reconciles it and tells the app over its event stream; the app downloads the same bytes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BackendEvent } from '../../src/app/backend-client.js';
import { startSimulatedCamera } from '../../src/device/camera.js';
import { createLogger } from '../../src/log/logger.js';
import { EventCode, OperationCode } from '../../src/ptp/codes.js';
import { PtpIpInitiator } from '../../src/ptp/initiator.js';
import { appWorld } from '../helpers/app-world.js';
import { rawRequest } from '../helpers/https.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

test('direct upload: pair over PTP/IP, hand over the URL, capture, PUT, announce, recorded, downloaded', async (t) => {
  const dir = await tempDir(t);
  const { platform } = await startTestPlatform(t, join(dir, 'platform'), {
    extra: { backend: { reconciler: { waitTimeSeconds: 1 } } },
  });
  const e = platform.endpoints;
  const logger = createLogger({ level: 'silent' });
  const world = await appWorld(t, platform);
  const { ca, httpsAgent } = world;
  const provisioned = await world.provision('cam-direct');
  const { client: backend } = await world.user('Alice');

  // The camera: picture storage, cloud agent, PTP/IP responder.
  const camera = await startSimulatedCamera({
    deviceId: 'cam-direct',
    certificatePem: provisioned.certificatePem,
    keyPem: provisioned.keyPem,
    mqttUrl: e.mqtt,
    ca,
    dir: join(dir, 'camera'),
    httpsAgent,
    ptpPort: 0,
    logger,
  });
  t.after(() => camera.close());
  const { agent, responder } = camera;

  // The app: backend client + PTP/IP initiator.
  const ptp = await PtpIpInitiator.connect('127.0.0.1', responder.port, { friendlyName: 'Alice phone' });
  t.after(() => ptp.close());
  await ptp.openSession();
  const { deviceId } = JSON.parse(
    (await ptp.transaction(OperationCode.CamlinkGetIdentity)).data.toString(),
  ) as {
    deviceId: string;
  };
  assert.equal(deviceId, 'cam-direct');

  // Pairing: the backend's challenge, signed by the camera over PTP/IP.
  const challenge = await backend.createChallenge(deviceId);
  await ptp.transaction(
    OperationCode.CamlinkSignChallenge,
    [],
    Buffer.from(challenge.signingInput, 'base64'),
  );
  const signature = (await ptp.transaction(OperationCode.CamlinkGetSignature)).data;
  await backend.pair(challenge.challengeId, signature);

  // The app listens for its events.
  const abort = new AbortController();
  t.after(() => abort.abort());
  let recorded!: (event: BackendEvent) => void;
  const completed = new Promise<BackendEvent>((resolve) => (recorded = resolve));
  await new Promise<void>((opened) => {
    void backend.watch((event) => event.type === 'upload.completed' && recorded(event), abort.signal, opened);
  });

  // Capture, hand over the URL, upload.
  await agent.waitConnected();
  const added = ptp.nextEvent(EventCode.ObjectAdded);
  await ptp.transaction(OperationCode.InitiateCapture, [0, 0]);
  const handle = (await added).params[0] ?? 0;
  const picture = (await ptp.transaction(OperationCode.GetObject, [handle])).data;
  const target = await backend.issueUpload(deviceId, { contentType: 'image/jpeg', size: picture.length });
  await ptp.transaction(OperationCode.CamlinkSetUploadTarget, [], Buffer.from(JSON.stringify(target)));
  const progress: number[] = [];
  ptp.on('event', (ev) => ev.code === EventCode.CamlinkUploadProgress && progress.push(ev.params[1] ?? 0));
  const uploaded = ptp.nextEvent(EventCode.CamlinkUploadComplete);
  await ptp.transaction(OperationCode.CamlinkUploadObject, [handle]);
  assert.deepEqual((await uploaded).params, [handle]);
  assert.equal(progress[progress.length - 1], picture.length);

  const event = await completed;
  assert.equal(event.data.uploadId, target.uploadId);
  assert.equal(event.data.url, target.url);
  const { upload } = await backend.getUpload(target.uploadId);
  assert.equal(upload.status, 'done');
  const download = await rawRequest(httpsAgent, upload.get?.url ?? '', { method: 'GET' });
  assert.ok(download.body.equals(picture), 'the app downloads the bytes the camera captured');
});
