/**
 * Certificate input checks shared by the registration operations: one PEM certificate, parseable, with
 * AWS IoT's accepted signature algorithms; its certificate id is the SHA-256 of the DER (as on AWS).
 */
import { createHash } from 'node:crypto';
import { x509 } from '../../pki/x509.js';
import { IotApiError } from './errors.js';

export const CERTIFICATE_PEM_MAX_CHARS = 65_536;

export interface ParsedCertificate {
  readonly cert: x509.X509Certificate;
  readonly pem: string;
  readonly certificateId: string;
  readonly commonName: string | undefined;
}

export function parseCertificatePem(pem: string, what: string): ParsedCertificate {
  if (pem.length > CERTIFICATE_PEM_MAX_CHARS) {
    throw new IotApiError(
      'CertificateValidationException',
      `${what} is over ${CERTIFICATE_PEM_MAX_CHARS} characters`,
    );
  }
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length !== 1 || blocks[0] === undefined) {
    throw new IotApiError('CertificateValidationException', `${what} must be exactly one PEM certificate`);
  }
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(blocks[0]);
  } catch {
    throw new IotApiError('CertificateValidationException', `${what} is not a valid X.509 certificate`);
  }
  return {
    cert,
    pem: cert.toString('pem'),
    certificateId: createHash('sha256').update(new Uint8Array(cert.rawData)).digest('hex'),
    commonName: cert.subjectName.getField('CN')[0],
  };
}

export function isCaCertificate(cert: x509.X509Certificate): boolean {
  return cert.getExtension(x509.BasicConstraintsExtension)?.ca === true;
}

/** True when `issuer` signed `cert` (names match and the signature verifies). */
export async function issuedBy(cert: x509.X509Certificate, issuer: x509.X509Certificate): Promise<boolean> {
  if (cert.issuer !== issuer.subject) return false;
  try {
    return await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}
