/**
 * PKCS#10 requests (RFC 2986) from devices that keep their key: the request must be one PEM block,
 * its self-signature must verify (proof the requester holds the key), the subject must carry exactly
 * one CN that is an allowed device id, and the key must be a type AWS IoT accepts.
 */
import { x509 } from './x509.js';
import { CamlinkError } from '../errors/camlink-error.js';
import { assertDeviceId } from '../contracts/device-id.js';
import { decodePem } from './pem.js';
import { assertAcceptedPublicKey } from './keys.js';

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
