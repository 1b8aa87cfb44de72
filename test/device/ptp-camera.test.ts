/**
 * The camera's PTP/IP responder through camlink's own initiator (the app's side): standard reads,
 * capture events in libgphoto2's order, the vendor operations of docs/ptpip.md (identity, signing a
 * pairing challenge with the device key, upload-target hand-off), one initiator at a time, and
 * malformed input closing only the offending connection.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { test, type TestContext } from 'node:test';
import { pairingSigningInput } from '../../src/contracts/pairing.js';
import { CameraStorage, FOLDER_HANDLE, STORAGE_ID } from '../../src/device/camera-storage.js';
import { ptpCamera } from '../../src/device/ptp-camera.js';
import { createLogger } from '../../src/log/logger.js';
import { EventCode, OperationCode, ResponseCode } from '../../src/ptp/codes.js';
import { decodeDeviceInfo, decodeObjectInfo, decodeUint32Array } from '../../src/ptp/datasets.js';
import { PtpError, PtpIpInitiator } from '../../src/ptp/initiator.js';
import { startPtpIpResponder } from '../../src/ptp/responder.js';
import { tempDir } from '../helpers/tmp.js';

async function camera(t: TestContext) {
  const storage = await CameraStorage.open(await tempDir(t), { now: () => new Date() });
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const targets: unknown[] = [];
  const camera = ptpCamera({
    storage,
    identity: { deviceId: 'cam-v', certificatePem: '-----BEGIN CERTIFICATE-----\n...', privateKey },
    onUploadTarget: (target) => targets.push(target),
  });
  // Tests wait for the camera to see an initiator go, instead of racing its socket close.
  let sessionEnded = () => undefined as void;
  const handler = {
    ...camera,
    closed: (session: Parameters<NonNullable<typeof camera.closed>>[0]) => {
      camera.closed?.(session);
      sessionEnded();
    },
  };
  const ended = () => new Promise<void>((resolve) => (sessionEnded = resolve));
  const responder = await startPtpIpResponder({
    port: 0,
    friendlyName: 'camlink cam-v',
    handler,
    logger: createLogger({ level: 'silent' }),
  });
  t.after(() => responder.close());
  const connect = async () => {
    const app = await PtpIpInitiator.connect('127.0.0.1', responder.port);
    t.after(() => app.close());
    return app;
  };
  return { responder, storage, publicKey, targets, connect, ended };
}

test('standard reads, and capture announces ObjectAdded then CaptureComplete', async (t) => {
  const c = await camera(t);
  const app = await c.connect();
  assert.equal(app.cameraName, 'camlink cam-v');
  await assert.rejects(
    app.transaction(OperationCode.GetStorageIDs),
    (e) => e instanceof PtpError && e.responseCode === ResponseCode.SessionNotOpen,
  );
  await app.openSession();
  const info = decodeDeviceInfo((await app.transaction(OperationCode.GetDeviceInfo)).data);
  assert.ok(info.operationsSupported.includes(OperationCode.CamlinkSignChallenge));
  assert.deepEqual(decodeUint32Array((await app.transaction(OperationCode.GetStorageIDs)).data), [
    STORAGE_ID,
  ]);
  const added = app.nextEvent(EventCode.ObjectAdded);
  const complete = app.nextEvent(EventCode.CaptureComplete);
  await app.transaction(OperationCode.InitiateCapture, [0, 0]);
  const handle = (await added).params[0] ?? 0;
  await complete;
  const object = decodeObjectInfo((await app.transaction(OperationCode.GetObjectInfo, [handle])).data);
  assert.equal(object.parentObject, FOLDER_HANDLE);
  assert.match(object.filename, /^CAML\d{4}\.JPG$/);
  const bytes = (await app.transaction(OperationCode.GetObject, [handle])).data;
  assert.equal(bytes.length, object.objectCompressedSize);
  const part = await app.transaction(OperationCode.GetPartialObject, [handle, 2, 10]);
  assert.deepEqual(part.data, bytes.subarray(2, 12));
  assert.deepEqual(part.params, [10]);
  await assert.rejects(
    app.transaction(OperationCode.GetObject, [9999]),
    (e) => e instanceof PtpError && e.responseCode === ResponseCode.InvalidObjectHandle,
  );
});

test('vendor operations: identity, pairing signature with the device key, upload target', async (t) => {
  const c = await camera(t);
  const app = await c.connect();
  await app.openSession();
  const identity = JSON.parse((await app.transaction(OperationCode.CamlinkGetIdentity)).data.toString()) as {
    deviceId: string;
  };
  assert.equal(identity.deviceId, 'cam-v');

  const input = pairingSigningInput({
    deviceId: 'cam-v',
    challengeId: 'pch_0123456789abcdef',
    nonce: 'n'.repeat(43),
  });
  await app.transaction(OperationCode.CamlinkSignChallenge, [], input);
  const signature = (await app.transaction(OperationCode.CamlinkGetSignature)).data;
  assert.ok(verify('sha256', input, c.publicKey, signature), 'a DER ECDSA signature by the device key');
  // The key signs pairing inputs for this device only, nothing else.
  const foreign = pairingSigningInput({
    deviceId: 'cam-other',
    challengeId: 'pch_0123456789abcdef',
    nonce: 'x',
  });
  await assert.rejects(
    app.transaction(OperationCode.CamlinkSignChallenge, [], foreign),
    (e) => e instanceof PtpError && e.responseCode === ResponseCode.InvalidParameter,
  );
  await assert.rejects(
    app.transaction(OperationCode.CamlinkSignChallenge, [], Buffer.from('sign me')),
    PtpError,
  );

  // A realistic pre-signed URL is far beyond a PTP string: it travels as bytes in the data phase.
  const target = {
    uploadId: 'upl_x',
    bucket: 'camlink-media',
    key: 'devices/cam-v/upl_x.jpg',
    url: 'https://s3.example/camlink-media/devices/cam-v/upl_x.jpg',
    put: {
      url: `https://s3.example/camlink-media/devices/cam-v/upl_x.jpg?X-Amz-Signature=${'a'.repeat(1500)}`,
      headers: { 'content-type': 'image/jpeg' },
      expiresAt: '2026-11-27T10:00:00.000Z',
    },
  };
  await app.transaction(OperationCode.CamlinkSetUploadTarget, [], Buffer.from(JSON.stringify(target)));
  assert.deepEqual(c.targets, [target]);
  await assert.rejects(
    app.transaction(OperationCode.CamlinkSetUploadTarget, [], Buffer.from('{not json')),
    PtpError,
  );
  await assert.rejects(
    app.transaction(
      OperationCode.CamlinkSetUploadTarget,
      [],
      Buffer.from(JSON.stringify({ ...target, put: {} })),
    ),
    PtpError,
    'a target without its PUT is refused',
  );
  // An empty data phase (libgphoto2 sends no End Data for it) is answered, not waited on.
  await assert.rejects(app.transaction(OperationCode.CamlinkSetUploadTarget, [], Buffer.alloc(0)), PtpError);
  await app.transaction(OperationCode.GetDeviceInfo);
});

test('one initiator at a time; malformed input closes only that connection', async (t) => {
  const c = await camera(t);
  const first = await c.connect();
  await first.openSession();
  await assert.rejects(PtpIpInitiator.connect('127.0.0.1', c.responder.port), /Init Fail, reason 2/);
  const gone = c.ended();
  first.close();
  await gone;

  // A hostile length: the camera closes the socket and keeps serving others.
  const raw = net.connect({ host: '127.0.0.1', port: c.responder.port });
  await once(raw, 'connect');
  raw.write(Buffer.from('ffffff7f06000000', 'hex'));
  await once(raw, 'close');
  const again = await c.connect();
  await again.openSession();
  assert.ok(decodeDeviceInfo((await again.transaction(OperationCode.GetDeviceInfo)).data).model);
});
