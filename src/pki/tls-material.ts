/**
 * What a mutual-TLS endpoint needs from the operator PKI, in the shape node:tls takes: the server chain
 * and key, the CA that client certificates must chain to, and the CRL that must be checked against.
 * Endpoints reload it (e.g. after `camlink device revoke`) by calling this again and setSecureContext().
 */
import { readFile } from 'node:fs/promises';
import type { SecureContextOptions } from 'node:tls';
import type { PkiStore } from './store.js';
import { serverCertPaths } from './server-cert.js';

export interface TlsServerMaterial {
  key: Buffer;
  cert: Buffer;
  ca: Buffer;
  /** Absent when revocation is enforced elsewhere (the IoT registry at CONNECT). */
  crl?: Buffer | undefined;
}

export async function loadTlsServerMaterial(
  dataDir: string,
  store: PkiStore,
  serverName = 'endpoint',
): Promise<TlsServerMaterial> {
  const { certPath, keyPath } = serverCertPaths(dataDir, serverName);
  const [key, cert, ca, crl] = await Promise.all([
    readFile(keyPath),
    readFile(certPath),
    readFile(store.caCertPath),
    readFile(store.crlPath),
  ]);
  return { key, cert, ca, crl };
}

/** Options for a TLS server that requires a client certificate from the CA that the CRL does not list. */
export function mutualTlsOptions(material: TlsServerMaterial): SecureContextOptions & {
  requestCert: true;
  rejectUnauthorized: true;
} {
  return { ...material, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' };
}
