/**
 * What the platform needs from the PKI before it can listen: the CA (created on first start), a server
 * certificate for the endpoints covering the configured SANs and not close to expiry, and a CRL that is
 * not close to its nextUpdate. Each is created or renewed only when needed.
 */
import { readFile } from 'node:fs/promises';
import type { CamlinkConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { fileExists } from '../util/atomic-file.js';
import { DAY_MS } from '../util/clock.js';
import { initCa } from '../pki/ca.js';
import { refreshCrl } from '../pki/crl.js';
import type { PkiContext } from '../pki/context.js';
import { issueServerCert, serverCertPaths } from '../pki/server-cert.js';
import { x509 } from '../pki/x509.js';

const SERVER_CERT_NAME = 'endpoint';
const RENEW_BEFORE_DAYS = 30;
const CRL_REFRESH_BEFORE_DAYS = 7;

export async function bootstrapPki(
  config: Readonly<CamlinkConfig>,
  pki: PkiContext,
  logger: Logger,
): Promise<void> {
  if (!(await fileExists(pki.store.caCertPath))) {
    const ca = await initCa(pki, { force: false });
    logger.info({ caPath: ca.certPath }, 'created the operator CA (first start)');
  }
  const { certPath } = serverCertPaths(config.dataDir, SERVER_CERT_NAME);
  if (await serverCertNeedsRenewal(certPath, config.pki.serverSans, pki)) {
    const issued = await issueServerCert(pki, config.dataDir, {
      name: SERVER_CERT_NAME,
      sans: config.pki.serverSans,
    });
    logger.info({ sans: issued.sans, notAfter: issued.notAfter }, 'issued the endpoint server certificate');
  }
  await refreshCrlIfDue(pki, logger);
}

export async function refreshCrlIfDue(pki: PkiContext, logger: Logger): Promise<boolean> {
  let nextUpdate: Date | undefined;
  try {
    nextUpdate = new x509.X509Crl(await readFile(pki.store.crlPath, 'utf8')).nextUpdate;
  } catch {
    nextUpdate = undefined;
  }
  const due = pki.clock.now().getTime() + CRL_REFRESH_BEFORE_DAYS * DAY_MS;
  if (nextUpdate !== undefined && nextUpdate.getTime() > due) return false;
  const crl = await refreshCrl(pki);
  logger.info({ crlNumber: crl.crlNumber, nextUpdate: crl.nextUpdate }, 're-signed the CRL');
  return true;
}

async function serverCertNeedsRenewal(
  certPath: string,
  sans: readonly string[],
  pki: PkiContext,
): Promise<boolean> {
  if (!(await fileExists(certPath))) return true;
  const pem = (await readFile(certPath, 'utf8')).match(
    /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/,
  )?.[0];
  if (pem === undefined) return true;
  const cert = new x509.X509Certificate(pem);
  const caPem = await readFile(pki.store.caCertPath, 'utf8');
  if (!(await cert.verify({ publicKey: new x509.X509Certificate(caPem).publicKey }))) return true; // CA replaced
  if (cert.notAfter.getTime() < pki.clock.now().getTime() + RENEW_BEFORE_DAYS * DAY_MS) return true;
  const names =
    cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items.map((n) => n.value) ?? [];
  return !sans.every((s) => names.includes(s) || names.includes(s.toLowerCase()));
}
