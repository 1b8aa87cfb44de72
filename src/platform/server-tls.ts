/**
 * Which certificate the embedded platform presents: DATA_DIR's endpoint certificate (operator CA) by
 * default, or the files `tls.services` / `tls.iotData` name (a cloud rehearsal's public-CA material).
 * Configured files are read once at start and checked to be a key and the certificate it belongs to.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { TlsConfig } from '../config/schema.js';
import { CamlinkError } from '../errors/camlink-error.js';
import { serverCertPaths } from '../pki/server-cert.js';

export interface ServerKeyPair {
  readonly key: Buffer;
  readonly cert: Buffer;
}

async function readConfigured(
  files: { certFile: string; keyFile: string },
  what: string,
): Promise<ServerKeyPair> {
  let key: Buffer;
  let cert: Buffer;
  try {
    [key, cert] = await Promise.all([readFile(files.keyFile), readFile(files.certFile)]);
  } catch (err) {
    throw new CamlinkError('TLS_FILES_INVALID', `cannot read ${what} certificate/key files`, { cause: err });
  }
  try {
    const leaf = new X509Certificate(cert);
    if (!leaf.checkPrivateKey(createPrivateKey(key))) {
      throw new CamlinkError(
        'TLS_FILES_INVALID',
        `${what}: ${files.keyFile} is not the key of ${files.certFile}`,
      );
    }
  } catch (err) {
    if (err instanceof CamlinkError) throw err;
    throw new CamlinkError('TLS_FILES_INVALID', `${what}: ${files.certFile} / ${files.keyFile} are not PEM`, {
      cause: err,
    });
  }
  return { key, cert };
}

/** The HTTPS services' key pair (store, queue, IoT API, video, STS, backend API). */
export async function servicesTls(dataDir: string, tls: Pick<TlsConfig, 'services'>): Promise<ServerKeyPair> {
  if (tls.services !== undefined) return readConfigured(tls.services, 'tls.services');
  const { certPath, keyPath } = serverCertPaths(dataDir, 'endpoint');
  return { key: await readFile(keyPath), cert: await readFile(certPath) };
}

/** The IoT data endpoint's and the credentials provider's key pair. */
export async function iotDataTls(dataDir: string, tls: Pick<TlsConfig, 'iotData'>): Promise<ServerKeyPair> {
  if (tls.iotData !== undefined) return readConfigured(tls.iotData, 'tls.iotData');
  const { certPath, keyPath } = serverCertPaths(dataDir, 'endpoint');
  return { key: await readFile(keyPath), cert: await readFile(certPath) };
}
