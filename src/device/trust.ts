/**
 * Trust per endpoint. The IoT endpoints (MQTT, credentials provider) trust their CA only (Amazon Root
 * CA 1 on AWS, the operator CA locally): pass it as `ca`. Storage and KVS trust what the process
 * trusts by default (the system roots: Node's bundled list plus NODE_EXTRA_CA_CERTS) plus an optional
 * extra CA. In Node, `ca` REPLACES the default store, and `tls.rootCertificates` is only the bundled
 * list, so "default + extra" is built here: the default store's certificates (tls.getCACertificates
 * ('default') where Node has it, else the bundled list and the NODE_EXTRA_CA_CERTS file, read like Node
 * reads it) followed by the extra CA. Without an extra CA, `ca` is left out and Node's own default
 * store applies unchanged.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM bundle, one PEM block each (anything between them is ignored). */
export function pemCertificates(text: string): string[] {
  return [...text.matchAll(PEM_CERTIFICATE)].map((m) => `${m[0]}\n`);
}

type GetCaCertificates = (type: 'default' | 'bundled') => string[];

/**
 * The certificates of Node's default store. Node reads NODE_EXTRA_CA_CERTS once at startup and ignores
 * (with a warning) a file it cannot read; so does this. Where Node can list its store
 * (tls.getCACertificates, Node 22.15+) the process's own store is taken as Node built it; an `env` other
 * than the process's (tests) is applied to the bundled list the way Node applies it.
 */
export function defaultStoreCertificates(env: NodeJS.ProcessEnv = process.env): string[] {
  const getCaCertificates = (tls as { getCACertificates?: GetCaCertificates }).getCACertificates;
  if (typeof getCaCertificates === 'function' && env === process.env) return getCaCertificates('default');
  const bundled =
    typeof getCaCertificates === 'function' ? getCaCertificates('bundled') : [...tls.rootCertificates];
  const extraFile = env.NODE_EXTRA_CA_CERTS;
  let extra: string[] = [];
  if (extraFile !== undefined && extraFile !== '') {
    try {
      extra = pemCertificates(readFileSync(extraFile, 'utf8'));
    } catch {
      extra = [];
    }
  }
  return [...bundled, ...extra];
}

/**
 * The `ca` option for an endpoint that trusts the default store plus `extraCa` (PEM, may hold several
 * certificates): undefined without an extra CA, meaning "leave `ca` out".
 */
export function defaultTrustPlus(
  extraCa: string | Buffer | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string[] | undefined {
  if (extraCa === undefined) return undefined;
  return [...defaultStoreCertificates(env), ...pemCertificates(extraCa.toString())];
}

export interface StorageAgentOptions {
  readonly keepAlive?: boolean;
  readonly maxSockets?: number;
}

/**
 * The https.Agent for storage (the pre-signed PUT): the default store plus `extraCa`. The secure
 * context is built once, not for every connection.
 */
export function storageAgent(
  extraCa: string | Buffer | undefined,
  options: StorageAgentOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): https.Agent {
  const ca = defaultTrustPlus(extraCa, env);
  return new https.Agent({
    keepAlive: options.keepAlive ?? true,
    ...(options.maxSockets === undefined ? {} : { maxSockets: options.maxSockets }),
    ...(ca === undefined ? {} : { secureContext: tls.createSecureContext({ ca }) }),
  });
}
