/**
 * Pairing proof of possession (docs/architecture.md flow 3). The backend issues a one-time challenge; the
 * camera signs exactly these bytes with its device key; the backend verifies the signature with the
 * public key of the device's registered certificate. The bytes bind the signature to this device and
 * this challenge, so a signature cannot be replayed for another device or another challenge.
 *
 * Signatures: ECDSA P-256 keys sign with SHA-256 and DER (ASN.1) encoding, as OpenSSL and node's
 * crypto.sign do; RSA keys sign with RSASSA-PKCS1-v1_5 and SHA-256. Transported as base64.
 */
export const PAIRING_DOMAIN = 'camlink-pairing-v1';

/** Challenge ids and nonces are base64url, 16-64 characters. */
export const PAIRING_TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

export interface PairingChallengeInput {
  readonly deviceId: string;
  readonly challengeId: string;
  readonly nonce: string;
}

/** The exact bytes a camera signs: four lines, UTF-8, no trailing newline. */
export function pairingSigningInput(input: PairingChallengeInput): Buffer {
  return Buffer.from(`${PAIRING_DOMAIN}\n${input.deviceId}\n${input.challengeId}\n${input.nonce}`, 'utf8');
}
