/**
 * Server certificates for the embedded endpoints (MQTT 8883, the HTTPS APIs), signed by the operator CA
 * so a camera that trusts ca.cert.pem can verify them. SANs are DNS names (RFC 1123, optional leading
 * "*.") or IPv4/IPv6 addresses; anything else is PKI_SAN_INVALID.
 */
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { x509 } from './x509.js';
import { CamlinkError } from '../errors/camlink-error.js';
import { PUBLIC_FILE_MODE, SECRET_FILE_MODE, writeFileAtomic } from '../util/atomic-file.js';
import { loadCa } from './ca.js';
import type { PkiContext } from './context.js';
import { issueCertificate } from './issue.js';
import { generateKeyPair, privateKeyToPem } from './keys.js';

const DNS_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const SERVER_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export function parseSans(values: readonly string[]): x509.JsonGeneralNames {
  if (values.length === 0)
    throw new CamlinkError('PKI_SAN_INVALID', 'a server certificate needs at least one SAN');
  return values.map((value) => {
    if (isIP(value) !== 0) return { type: 'ip', value };
    const name = value.startsWith('*.') ? value.slice(2) : value;
    const labels = name.split('.');
    if (value.length > 253 || !labels.every((label) => DNS_LABEL.test(label))) {
      throw new CamlinkError('PKI_SAN_INVALID', `"${value}" is neither an IP address nor a DNS name`);
    }
    return { type: 'dns', value };
  });
}

export interface ServerCertResult {
  certPath: string;
  keyPath: string;
  serial: string;
  sans: string[];
  notAfter: Date;
}

export function serverCertPaths(dataDir: string, name: string): { certPath: string; keyPath: string } {
  const dir = join(dataDir, 'pki', 'server');
  return { certPath: join(dir, `${name}.cert.pem`), keyPath: join(dir, `${name}.key.pem`) };
}

/** Issues (or re-issues, replacing the files) the server certificate `name` with the given SANs. */
export async function issueServerCert(
  ctx: PkiContext,
  dataDir: string,
  options: { name: string; sans: readonly string[] },
): Promise<ServerCertResult> {
  if (!SERVER_NAME.test(options.name)) {
    throw new CamlinkError(
      'CLI_USAGE',
      `server certificate name "${options.name}" must be 1-64 of A-Z a-z 0-9 . _ -`,
    );
  }
  const generalNames = parseSans(options.sans);
  const ca = await loadCa(ctx);
  const keys = await generateKeyPair(ctx.config.keyAlgorithm);
  const firstSan = options.sans[0] ?? options.name;
  const issued = await ctx.store.withLock(() =>
    issueCertificate(ctx, ca, {
      kind: 'server',
      commonName: firstSan,
      publicKey: keys.publicKey,
      validityDays: ctx.config.serverValidityDays,
      sans: generalNames,
    }),
  );
  const { certPath, keyPath } = serverCertPaths(dataDir, options.name);
  await writeFileAtomic(keyPath, await privateKeyToPem(keys.privateKey), {
    mode: SECRET_FILE_MODE,
    overwrite: true,
  });
  // The chain a TLS server sends: leaf then CA, so clients with only the CA can build the path.
  await writeFileAtomic(certPath, `${issued.pem}\n${ca.certPem}\n`, {
    mode: PUBLIC_FILE_MODE,
    overwrite: true,
  });
  return {
    certPath,
    keyPath,
    serial: issued.serial,
    sans: [...options.sans],
    notAfter: issued.cert.notAfter,
  };
}
