/**
 * Proof of possession for pairing (docs/architecture.md flow 3, src/contracts/pairing.ts): does a signature
 * over the pairing signing input verify with the public key of one of the device's certificates?
 *
 * Accepted, as the contract says: ECDSA on P-256 with SHA-256 and a DER (ASN.1 SEQUENCE of r, s)
 * signature, as OpenSSL and node's crypto.sign produce; RSASSA-PKCS1-v1_5 with SHA-256 (RSA 2048-4096).
 * Any other key (P-384, Ed25519, ...) verifies nothing. Signatures travel as standard base64.
 */
import { constants, verify, X509Certificate, type KeyObject } from 'node:crypto';
import type { DeviceCertificate } from '../cloud/types.js';

/** Longest signature text accepted: an RSA-4096 signature is 512 bytes, 684 base64 characters. */
export const SIGNATURE_BASE64_MAX_LENGTH = 684;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The signature bytes of canonical, padded base64 text; undefined for anything else (base64url,
 * whitespace, missing padding, non-zero trailing bits, empty), so one signature has one spelling.
 */
export function decodeSignature(text: string): Buffer | undefined {
  if (text.length === 0 || text.length > SIGNATURE_BASE64_MAX_LENGTH || !BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** The verification parameters for a certificate's key, or undefined for a key the contract excludes. */
function verifierKey(certificatePem: string): { key: KeyObject; padding?: number } | undefined {
  let key: KeyObject;
  try {
    key = new X509Certificate(certificatePem).publicKey;
  } catch {
    return undefined;
  }
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') return { key };
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details?.modulusLength ?? 0;
    if (bits >= 2048 && bits <= 4096) return { key, padding: constants.RSA_PKCS1_PADDING };
  }
  return undefined;
}

/** True when `signature` is a valid signature of `input` by the key of `certificatePem`. Never throws. */
export function verifyWithCertificate(input: Buffer, signature: Buffer, certificatePem: string): boolean {
  const verifier = verifierKey(certificatePem);
  if (verifier === undefined) return false;
  try {
    return verify(
      'sha256',
      input,
      verifier.padding === undefined
        ? { key: verifier.key, dsaEncoding: 'der' }
        : { key: verifier.key, padding: verifier.padding },
      signature,
    );
  } catch {
    // Malformed DER, a signature of the wrong length for the modulus: not a valid signature.
    return false;
  }
}

/** The first certificate whose key verifies the signature, or undefined. */
export function findSigningCertificate(
  input: Buffer,
  signature: Buffer,
  certificates: readonly DeviceCertificate[],
): DeviceCertificate | undefined {
  return certificates.find((certificate) => verifyWithCertificate(input, signature, certificate.pem));
}
