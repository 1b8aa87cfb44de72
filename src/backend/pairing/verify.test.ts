/** Pairing signature verification with real keys: EC P-256 and RSA, DER signatures, every way to fail. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPrivateKey, sign, type KeyObject, type webcrypto } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pairingSigningInput } from '../../contracts/pairing.js';
import { privateKeyToPem, subtle } from '../../pki/keys.js';
import { x509 } from '../../pki/x509.js';
import { opensslOk } from '../../../test/helpers/openssl.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import { decodeSignature, findSigningCertificate, verifyWithCertificate } from './verify.js';

type KeyParams = webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams;
const ecP256: KeyParams = { name: 'ECDSA', namedCurve: 'P-256' };
const rsa2048: KeyParams = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
};

/** A self-signed certificate for a fresh key, and that key as a node KeyObject. */
async function identity(params: KeyParams): Promise<{ pem: string; key: KeyObject; keyPem: string }> {
  const keys = await subtle.generateKey(params, true, ['sign', 'verify']);
  const signingAlgorithm = params.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : params;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=cam-1',
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2036-01-01T00:00:00Z'),
    keys,
    signingAlgorithm,
  });
  const keyPem = await privateKeyToPem(keys.privateKey);
  return { pem: cert.toString('pem'), key: createPrivateKey(keyPem), keyPem };
}

const input = pairingSigningInput({
  deviceId: 'cam-1',
  challengeId: 'pch_AAAAAAAAAAAAAAAA',
  nonce: 'n'.repeat(43),
});

test('an EC P-256 DER signature over the signing input verifies; other bytes and keys do not', async () => {
  const device = await identity(ecP256);
  const other = await identity(ecP256);
  const signature = sign('sha256', input, device.key);
  assert.equal(signature[0], 0x30, 'node signs ECDSA as a DER SEQUENCE');
  assert.equal(verifyWithCertificate(input, signature, device.pem), true);
  assert.equal(verifyWithCertificate(input, signature, other.pem), false, 'wrong key');
  assert.equal(verifyWithCertificate(Buffer.concat([input, Buffer.from('x')]), signature, device.pem), false);
  assert.equal(verifyWithCertificate(input, sign('sha256', input, other.key), device.pem), false);
  const p1363 = sign('sha256', input, { key: device.key, dsaEncoding: 'ieee-p1363' });
  assert.equal(verifyWithCertificate(input, p1363, device.pem), false, 'raw r||s is not the contract');
  assert.equal(verifyWithCertificate(input, sign('sha384', input, device.key), device.pem), false);
});

test('an RSA PKCS#1 v1.5 SHA-256 signature verifies; PSS and other keys do not', async () => {
  const device = await identity(rsa2048);
  const other = await identity(rsa2048);
  const signature = sign('sha256', input, device.key);
  assert.equal(signature.length, 256);
  assert.equal(verifyWithCertificate(input, signature, device.pem), true);
  assert.equal(verifyWithCertificate(input, signature, other.pem), false);
  const pss = sign('sha256', input, { key: device.key, padding: 6 /* RSA_PKCS1_PSS_PADDING */ });
  assert.equal(verifyWithCertificate(input, pss, device.pem), false);
  assert.equal(verifyWithCertificate(input, signature.subarray(1), device.pem), false, 'short signature');
});

test('keys outside the contract, garbage signatures and garbage certificates verify nothing', async () => {
  const p384 = await identity({ name: 'ECDSA', namedCurve: 'P-384' });
  assert.equal(verifyWithCertificate(input, sign('sha256', input, p384.key), p384.pem), false);
  const device = await identity(ecP256);
  for (const garbage of [
    Buffer.alloc(0),
    Buffer.from([0x30]),
    Buffer.alloc(72, 0xff),
    Buffer.alloc(4096, 0x30),
  ]) {
    assert.equal(verifyWithCertificate(input, garbage, device.pem), false);
  }
  assert.equal(verifyWithCertificate(input, sign('sha256', input, device.key), 'not a certificate'), false);
});

test('signatures made by openssl dgst -sha256 -sign (EC and RSA) verify', async (t) => {
  const dir = await tempDir(t);
  const inputPath = join(dir, 'input.bin');
  await writeFile(inputPath, input);
  for (const params of [ecP256, rsa2048]) {
    const device = await identity(params);
    const keyPath = join(dir, 'device.key.pem');
    const sigPath = join(dir, 'sig.bin');
    await writeFile(keyPath, device.keyPem, { mode: 0o600 });
    await opensslOk(['dgst', '-sha256', '-sign', keyPath, '-out', sigPath, inputPath]);
    assert.equal(verifyWithCertificate(input, await readFile(sigPath), device.pem), true, params.name);
  }
});

test('findSigningCertificate picks the certificate whose key signed', async () => {
  const a = await identity(ecP256);
  const b = await identity(rsa2048);
  const certs = [
    { certificateId: 'a', pem: a.pem },
    { certificateId: 'b', pem: b.pem },
  ];
  assert.equal(findSigningCertificate(input, sign('sha256', input, b.key), certs)?.certificateId, 'b');
  assert.equal(findSigningCertificate(input, sign('sha256', input, a.key), certs)?.certificateId, 'a');
  assert.equal(findSigningCertificate(input, Buffer.from('nope'), certs), undefined);
  assert.equal(findSigningCertificate(input, sign('sha256', input, a.key), []), undefined);
});

test('signatures are canonical padded base64 only', () => {
  const bytes = Buffer.from([0x30, 0x45, 0xfb, 0xff, 0x01]);
  assert.deepEqual(decodeSignature(bytes.toString('base64')), bytes);
  assert.deepEqual(decodeSignature('AAAA'), Buffer.alloc(3));
  for (const bad of [
    '',
    'MEX7_wE=', // base64url
    'MEX7/wE', // padding missing
    'MEX7/wE=\n',
    ' MEX7/wE=',
    'MEX7/wF=', // non-zero trailing bits: a second spelling of the same bytes
    '====',
    'not base64!',
    'A'.repeat(688),
  ]) {
    assert.equal(decodeSignature(bad), undefined, JSON.stringify(bad));
  }
  assert.equal(decodeSignature('A'.repeat(684))?.length, 513);
});
