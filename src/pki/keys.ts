/**
 * Key material for the operator PKI through WebCrypto (Node's implementation, wired into @peculiar/x509).
 * Private keys are PKCS#8 PEM; the signing algorithm always follows the signer's key (ECDSA with the
 * curve's hash, or RSASSA-PKCS1-v1_5 with SHA-256), which is what AWS IoT accepts for CAs and devices.
 */
import { webcrypto, createPrivateKey } from 'node:crypto';
import { x509 } from './x509.js';
import { CamlinkError } from '../errors/camlink-error.js';
import type { KeyAlgorithmName } from '../config/schema.js';

export const subtle: webcrypto.SubtleCrypto = webcrypto.subtle;

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;
export type SigningAlgorithm = webcrypto.Algorithm | webcrypto.EcdsaParams;
type EcKeyAlgorithm = webcrypto.EcKeyAlgorithm;
type RsaHashedKeyAlgorithm = webcrypto.RsaHashedKeyAlgorithm;

type EcImport = { name: 'ECDSA'; namedCurve: 'P-256' | 'P-384' };
type RsaImport = { name: 'RSASSA-PKCS1-v1_5'; hash: 'SHA-256' };

export interface SigningKey {
  readonly key: CryptoKey;
  /** The algorithm the key signs certificates and CRLs with. */
  readonly signing: SigningAlgorithm;
}

const generateParams: Record<KeyAlgorithmName, webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams> = {
  'ecdsa-p256': { name: 'ECDSA', namedCurve: 'P-256' },
  'rsa-2048': {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
};

export async function generateKeyPair(algorithm: KeyAlgorithmName): Promise<CryptoKeyPair> {
  return await subtle.generateKey(generateParams[algorithm], true, ['sign', 'verify']);
}

export function signingAlgorithmFor(key: CryptoKey): SigningAlgorithm {
  const alg = key.algorithm as EcKeyAlgorithm | RsaHashedKeyAlgorithm;
  if (alg.name === 'ECDSA') {
    const curve = (alg as EcKeyAlgorithm).namedCurve;
    return { name: 'ECDSA', hash: curve === 'P-384' ? 'SHA-384' : 'SHA-256' };
  }
  return { name: 'RSASSA-PKCS1-v1_5' };
}

export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  const der = await subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** Imports a PKCS#8 / SEC1 / PKCS#1 private key PEM for signing; the key type decides the algorithm. */
export async function importSigningKeyPem(pem: string, what: string): Promise<SigningKey> {
  let keyObject: ReturnType<typeof createPrivateKey>;
  try {
    keyObject = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new CamlinkError('PKI_PEM_MALFORMED', `${what} is not a readable private key PEM`, { cause: err });
  }
  let params: EcImport | RsaImport;
  if (keyObject.asymmetricKeyType === 'ec') {
    const curve = keyObject.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') params = { name: 'ECDSA', namedCurve: 'P-256' };
    else if (curve === 'secp384r1') params = { name: 'ECDSA', namedCurve: 'P-384' };
    else throw new CamlinkError('PKI_KEY_UNSUPPORTED', `${what} uses curve ${curve ?? 'unknown'}`);
  } else if (keyObject.asymmetricKeyType === 'rsa') {
    const bits = keyObject.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048 || bits > 4096) throw new CamlinkError('PKI_KEY_UNSUPPORTED', `${what} is RSA-${bits}`);
    params = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  } else {
    throw new CamlinkError(
      'PKI_KEY_UNSUPPORTED',
      `${what} is a ${keyObject.asymmetricKeyType ?? 'unknown'} key`,
    );
  }
  const der = keyObject.export({ format: 'der', type: 'pkcs8' });
  const key = await subtle.importKey('pkcs8', der, params, false, ['sign']);
  return { key, signing: signingAlgorithmFor(key) };
}

/** Accepts EC P-256/P-384 and RSA 2048-4096 public keys (AWS IoT's device key types). */
export function assertAcceptedPublicKey(publicKey: x509.PublicKey, what: string): void {
  const alg = publicKey.algorithm as Partial<EcKeyAlgorithm & RsaHashedKeyAlgorithm>;
  if (alg.name === 'ECDSA' && (alg.namedCurve === 'P-256' || alg.namedCurve === 'P-384')) return;
  if (
    (alg.name === 'RSASSA-PKCS1-v1_5' || alg.name === 'RSA-PSS') &&
    alg.modulusLength !== undefined &&
    alg.modulusLength >= 2048 &&
    alg.modulusLength <= 4096
  ) {
    return;
  }
  const desc = alg.namedCurve ?? (alg.modulusLength ? `${alg.modulusLength} bits` : 'unknown parameters');
  throw new CamlinkError('PKI_KEY_UNSUPPORTED', `${what} has a ${alg.name ?? 'unknown'} key (${desc})`);
}
