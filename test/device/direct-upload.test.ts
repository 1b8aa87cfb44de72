/**
 * The heart of the product, end to end with every hop real: the app (camlink's PTP/IP initiator + the
 * backend client) pairs with the camera by having it sign the backend's challenge over PTP/IP, gets a
 * pre-signed URL from the backend and hands it to the camera over PTP/IP; the camera captures, PUTs the
 * picture to the object store over HTTPS, announces it on MQTT; the topic rule queues it, the backend
 * reconciles it and tells the app over its event stream; the app downloads the same bytes.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { mkdir } from 'node:fs/promises';
import { BackendClient, type BackendEvent } from '../../src/app/backend-client.js';
import { CameraAgent } from '../../src/device/agent.js';
import { CameraStorage } from '../../src/device/camera-storage.js';
import { ptpCamera } from '../../src/device/ptp-camera.js';
import { createLogger } from '../../src/log/logger.js';
import { EventCode, OperationCode } from '../../src/ptp/codes.js';
import { PtpIpInitiator } from '../../src/ptp/initiator.js';
import { startPtpIpResponder } from '../../src/ptp/responder.js';
import { deviceKeyAndCsr } from '../helpers/backend-devices.js';
import { rawRequest } from '../helpers/https.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

test('direct upload: pair over PTP/IP, hand over the URL, capture, PUT, announce, recorded, downloaded', async (t) => {
  const dir = await tempDir(t);
  const { platform } = await startTestPlatform(t, join(dir, 'platform'), {
    extra: { backend: { reconciler: { waitTimeSeconds: 1 } } },
  });
  const e = platform.endpoints;
  const ca = await readFile(e.caPath);
  const httpsAgent = new https.Agent({ ca, keepAlive: true });
  t.after(() => httpsAgent.destroy());
  const logger = createLogger({ level: 'silent' });

  // The operator provisions the camera (its key stays on the camera) and creates the user.
  const operator = (await readFile(platform.operatorTokenFile, 'utf8')).trim();
  const asOperator = async <T>(path: string, body: unknown): Promise<T> => {
    const res = await rawRequest(httpsAgent, `${e.api}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 201, res.body.toString());
    return JSON.parse(res.body.toString()) as T;
  };
  const keys = await deviceKeyAndCsr('CN=cam-direct');
  const { certificatePem } = await asOperator<{ certificatePem: string }>('/v1/devices/provision', {
    deviceId: 'cam-direct',
    csr: keys.csr,
  });
  const { token } = await asOperator<{ token: { token: string } }>('/v1/users', { name: 'Alice' });

  // The camera: picture storage, cloud agent, PTP/IP responder.
  await mkdir(join(dir, 'pictures'));
  const storage = await CameraStorage.open(join(dir, 'pictures'), { now: () => new Date() });
  const agent = await CameraAgent.start({
    deviceId: 'cam-direct',
    mqttUrl: e.mqtt,
    cert: certificatePem,
    key: keys.keyPem,
    ca,
    outboxDir: join(dir, 'outbox'),
    httpsAgent,
    clock: { now: () => new Date() },
    logger,
  });
  t.after(() => agent.stop());
  const responder = await startPtpIpResponder({
    port: 0,
    friendlyName: 'camlink cam-direct',
    logger,
    handler: ptpCamera({
      storage,
      identity: { deviceId: 'cam-direct', certificatePem, privateKey: createPrivateKey(keys.keyPem) },
      upload: async (object, target, onProgress) => {
        if (object.path === undefined) throw new Error('not a file');
        await agent.uploadAndAnnounce(object.path, target, {
          contentType: 'image/jpeg',
          capturedAt: object.capturedAt,
          onProgress,
        });
      },
    }),
  });
  t.after(() => responder.close());

  // The app: backend client + PTP/IP initiator.
  const backend = new BackendClient({ baseUrl: e.api, token: token.token, ca });
  t.after(() => backend.close());
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
