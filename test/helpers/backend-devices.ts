/**
 * Devices and pairing for backend tests, as an operator and an app would do them through the API: a
 * key made "on the device" with a CSR, operator provisioning, a pairing challenge signed with the key.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { privateKeyToPem, subtle } from '../../src/pki/keys.js';
import { x509 } from '../../src/pki/x509.js';
import type { TestBackend } from './backend-app.js';

export interface DeviceBody {
  deviceId: string;
  certificateId: string | null;
  createdAt: string;
}
export interface ProvisionBody {
  device: DeviceBody;
  certificatePem: string;
  certificateArn: string;
}
export interface ChallengeBody {
  challengeId: string;
  nonce: string;
  deviceId: string;
  expiresAt: string;
  signingInput: string;
}

export const ecP256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const rsa2048 = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
} as const;

/** A device key made on "the device" and a CSR for it; the private key never reaches the backend. */
export async function deviceKeyAndCsr(
  subject: string,
  algorithm: typeof ecP256 | typeof rsa2048 = ecP256,
): Promise<{ csr: string; key: KeyObject; keyPem: string }> {
  const keys = await subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subject,
    keys,
    signingAlgorithm: algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : algorithm,
  });
  const keyPem = await privateKeyToPem(keys.privateKey);
  return { csr: csr.toString('pem'), key: createPrivateKey(keyPem), keyPem };
}

export async function provision(
  b: TestBackend,
  deviceId: string,
  algorithm: typeof ecP256 | typeof rsa2048 = ecP256,
): Promise<ProvisionBody & { key: KeyObject; keyPem: string }> {
  const made = await deviceKeyAndCsr(`CN=${deviceId}`, algorithm);
  const res = await b.call('POST', '/v1/devices/provision', {
    token: b.operatorToken,
    body: { deviceId, csr: made.csr },
  });
  assert.equal(res.statusCode, 201, res.body);
  return { ...res.json<ProvisionBody>(), key: made.key, keyPem: made.keyPem };
}

export async function challenge(b: TestBackend, token: string, deviceId: string): Promise<ChallengeBody> {
  const res = await b.call('POST', '/v1/pairing/challenges', { token, body: { deviceId } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json<ChallengeBody>();
}

/** What the camera does over PTP/IP: sign the challenge's signing input with the device key. */
export function signChallenge(c: ChallengeBody, key: KeyObject): string {
  return sign('sha256', Buffer.from(c.signingInput, 'base64'), key).toString('base64');
}

/** Provisions a device and pairs it to a new user through the API; returns both. */
export async function pairedDevice(
  b: TestBackend,
  deviceId: string,
  userName = 'alice',
): Promise<{
  user: { id: string; token: string };
  device: ProvisionBody & { key: KeyObject; keyPem: string };
}> {
  const device = await provision(b, deviceId);
  const user = await b.user(userName);
  const c = await challenge(b, user.token, deviceId);
  const res = await b.call('POST', '/v1/pairing', {
    token: user.token,
    body: { challengeId: c.challengeId, signature: signChallenge(c, device.key) },
  });
  assert.equal(res.statusCode, 200, res.body);
  return { user, device };
}

/** What a camera publishes after its PUT (src/contracts/upload-notification.ts), QoS 1. */
export async function announceUpload(
  camera: MqttClient,
  deviceId: string,
  upload: { uploadId: string; bucket: string; key: string; url: string },
  bytes: Buffer,
  contentType = 'image/jpeg',
): Promise<void> {
  const now = new Date().toISOString();
  await camera.publishAsync(
    `camlink/devices/${deviceId}/uploads`,
    JSON.stringify({
      uploadId: upload.uploadId,
      deviceId,
      bucket: upload.bucket,
      key: upload.key,
      url: upload.url,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      contentType,
      capturedAt: now,
      uploadedAt: now,
    }),
    { qos: 1 },
  );
}
