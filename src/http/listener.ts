/**
 * What the embedded HTTPS services share about their listener: the URL host, their certificate and how
 * long an idle keep-alive connection stays open.
 */
import { readFile } from 'node:fs/promises';
import { serverCertPaths } from '../pki/server-cert.js';

/** The host part of a listener's URL: a wildcard bind is reached on loopback; IPv6 in brackets. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** The camlink server certificate "endpoint" of a data dir (key and chain, PEM). */
export async function loadServerCert(dataDir: string): Promise<{ key: Buffer; cert: Buffer }> {
  const { certPath, keyPath } = serverCertPaths(dataDir, 'endpoint');
  const [key, cert] = await Promise.all([readFile(keyPath), readFile(certPath)]);
  return { key, cert };
}

/**
 * Idle keep-alive connections stay open this long (Node's default is 5 s). Clients with keep-alive
 * agents (the app's BackendClient, cameras' PUTs) reuse a socket the server may be closing at that very
 * moment and fail with a reset; a server timeout above the usual 60 s client/load-balancer idle makes
 * that race rare instead of routine between calls a few seconds apart.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
