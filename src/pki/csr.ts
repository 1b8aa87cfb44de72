/**
 * PKCS#10 requests (RFC 2986) from devices that keep their key: the request must be one PEM block,
 * its self-signature must verify (proof the requester holds the key), the subject must carry exactly
 * one CN that is an allowed device id, and the key must be a type AWS IoT accepts.
 */
import { x509 } from './x509.js';
import { CamlinkError } from '../errors/camlink-error.js';
import { assertDeviceId } from '../contracts/device-id.js';
import { decodePem } from './pem.js';
import { assertAcceptedPublicKey, generateKeyPair, privateKeyToPem, signingAlgorithmFor } from './keys.js';
import type { KeyAlgorithmName } from '../config/schema.js';

export const CSR_MAX_BYTES = 64 * 1024;

export interface DeviceCsr {
  commonName: string;
  publicKey: x509.PublicKey;
}

export async function parseDeviceCsr(pemText: string, deviceIdPattern: RegExp): Promise<DeviceCsr> {
  const der = decodePem(pemText, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'], 'the CSR');
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(der);
  } catch (err) {
    throw new CamlinkError('PKI_CSR_MALFORMED', 'the CSR is not a valid PKCS#10 structure', { cause: err });
  }
  let valid: boolean;
  try {
    valid = await csr.verify();
  } catch (err) {
    throw new CamlinkError('PKI_CSR_BAD_SIGNATURE', 'the CSR signature cannot be checked', { cause: err });
  }
  if (!valid) throw new CamlinkError('PKI_CSR_BAD_SIGNATURE', 'the CSR signature does not verify');
  const commonNames = csr.subjectName.getField('CN');
  if (commonNames.length !== 1 || commonNames[0] === undefined) {
    throw new CamlinkError(
      'PKI_CSR_MALFORMED',
      `the CSR subject must hold exactly one CN (found ${commonNames.length})`,
    );
  }
  const commonName = commonNames[0];
  assertDeviceId(commonName, deviceIdPattern);
  assertAcceptedPublicKey(csr.publicKey, 'the CSR');
  return { commonName, publicKey: csr.publicKey };
}

/**
 * What a camera does at the factory or first boot when its key must never leave it: a new key pair
 * and a PKCS#10 request with CN = its device id, for the operator (or the backend's provisioning) to
 * certify. Returns the private key as PKCS#8 PEM (write it 0600).
 */
export async function createDeviceKeyAndCsr(
  deviceId: string,
  algorithm: KeyAlgorithmName = 'ecdsa-p256',
): Promise<{ csrPem: string; keyPem: string }> {
  const keys = await generateKeyPair(algorithm);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [deviceId] }],
    keys,
    signingAlgorithm: signingAlgorithmFor(keys.privateKey),
  });
  return { csrPem: csr.toString('pem'), keyPem: await privateKeyToPem(keys.privateKey) };
}
