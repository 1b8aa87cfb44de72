/**
 * What the embedded HTTPS services share about their listener: the URL host, their certificate, how
 * long an idle keep-alive connection stays open, and how a port that cannot be bound is reported.
 */
import { readFile } from 'node:fs/promises';
import type { Server as NetServer } from 'node:net';
import { CamlinkError, systemErrorCode } from '../errors/camlink-error.js';
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

/** A listener of a service, as its errors name it: `configKey` is where its port is set (storage.port). */
export interface ListenTarget {
  readonly service: string;
  readonly host: string;
  readonly port: number;
  readonly configKey: string;
}

/** CAMLINK_IOT__API__PORT for iot.api.port (src/config/load.ts maps it back). */
function envName(configKey: string): string {
  return `CAMLINK_${configKey
    .split('.')
    .map((part) => part.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase())
    .join('__')}`;
}

/**
 * A listen() failure as the operator needs it: EADDRINUSE is PORT_IN_USE, EACCES / EADDRNOTAVAIL are
 * PORT_NOT_PERMITTED, each naming the service, host:port and what to do. Other errors pass unchanged.
 */
export function listenFailure(err: unknown, target: ListenTarget): Error {
  const code = systemErrorCode(err);
  const where = `${target.service} cannot listen on ${urlHost(target.host)}:${target.port}`;
  const elsewhere = `set ${target.configKey} in the config file (or ${envName(target.configKey)}) to another port, or run \`camlink up --ephemeral-ports\` for free ports`;
  const details = {
    service: target.service,
    host: target.host,
    port: target.port,
    configKey: target.configKey,
  };
  if (code === 'EADDRINUSE') {
    return new CamlinkError(
      'PORT_IN_USE',
      `${where}: the port is in use (EADDRINUSE). Most likely another \`camlink up\` (with another data dir) ` +
        `or another program holds it; \`ss -ltnp 'sport = :${target.port}'\` shows which. Stop it, or ${elsewhere}`,
      { cause: err, details },
    );
  }
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    const why =
      code === 'EACCES'
        ? 'permission denied (EACCES): ports below 1024 need root or CAP_NET_BIND_SERVICE'
        : `the address is not one of this machine's (EADDRNOTAVAIL)`;
    return new CamlinkError(
      'PORT_NOT_PERMITTED',
      `${where}: ${why}. Choose a port of 1024 or more / a local address: ${elsewhere}`,
      {
        cause: err,
        details,
      },
    );
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** server.listen() that resolves once listening and rejects with listenFailure()'s error. */
export function listenOn(server: NetServer, target: ListenTarget): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(listenFailure(err, target));
    server.once('error', onError);
    server.listen(target.port, target.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
