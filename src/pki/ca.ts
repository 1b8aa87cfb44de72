/**
 * The operator's root CA: a self-signed certificate with basicConstraints CA:TRUE (pathlen 0: it signs
 * device, server and verification certificates directly) and keyCertSign + cRLSign, as AWS IoT requires
 * for RegisterCACertificate. The key is written 0600 and never leaves DATA_DIR/pki.
 */
import { createHash } from 'node:crypto';
import { readFile, rename, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { x509 } from './x509.js';
import { CamlinkError, systemErrorCode } from '../errors/camlink-error.js';
import type { KeyAlgorithmName } from '../config/schema.js';
import { DAY_MS } from '../util/clock.js';
import { PUBLIC_FILE_MODE, SECRET_FILE_MODE, fileExists, writeFileAtomic } from '../util/atomic-file.js';
import {
  generateKeyPair,
  importSigningKeyPem,
  privateKeyToPem,
  signingAlgorithmFor,
  type SigningKey,
} from './keys.js';
import { newSerial } from './serial.js';
import type { PkiContext } from './context.js';
import { writeCrlLocked } from './crl.js';

export interface CaMaterial extends SigningKey {
  readonly cert: x509.X509Certificate;
  readonly certPem: string;
}

export interface InitCaResult {
  certPath: string;
  keyPath: string;
  crlPath: string;
  certificateId: string;
  subject: string;
  notAfter: Date;
  /** Where the previous CA went, when --force replaced one. */
  archivedTo?: string;
}

/** Clock skew a fresh certificate tolerates: notBefore is set this far in the past. */
export const BACKDATE_MS = 5 * 60 * 1000;

export function certificateId(cert: x509.X509Certificate): string {
  return createHash('sha256').update(new Uint8Array(cert.rawData)).digest('hex');
}

export async function initCa(
  ctx: PkiContext,
  options: { force: boolean; keyAlgorithm?: KeyAlgorithmName },
): Promise<InitCaResult> {
  const { store } = ctx;
  return store.withLock(async () => {
    let archivedTo: string | undefined;
    if (await fileExists(store.caCertPath)) {
      if (!options.force) {
        throw new CamlinkError(
          'PKI_CA_EXISTS',
          `a CA already exists at ${store.caCertPath}; pass --force to replace it`,
        );
      }
      archivedTo = await archiveCurrentCa(ctx);
    }
    const now = ctx.clock.now();
    const keys = await generateKeyPair(options.keyAlgorithm ?? ctx.config.keyAlgorithm);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: newSerial(ctx.random, () => false),
      name: [{ CN: [ctx.config.caCommonName] }, { O: [ctx.config.organization] }],
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + ctx.config.caValidityDays * DAY_MS),
      keys,
      signingAlgorithm: signingAlgorithmFor(keys.privateKey),
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    // The key lands first: a crash before the certificate leaves no CA (the cert is what marks one).
    await writeFileAtomic(store.caKeyPath, await privateKeyToPem(keys.privateKey), {
      mode: SECRET_FILE_MODE,
      overwrite: true,
    });
    const certPem = cert.toString('pem');
    await writeFileAtomic(store.caCertPath, `${certPem}\n`, { mode: PUBLIC_FILE_MODE, overwrite: false });
    const id = certificateId(cert);
    await store.appendIssued({
      serial: cert.serialNumber,
      kind: 'ca',
      commonName: ctx.config.caCommonName,
      certificateId: id,
      notBefore: cert.notBefore.toISOString(),
      notAfter: cert.notAfter.toISOString(),
      issuedAt: now.toISOString(),
    });
    const ca = await loadCaUnlocked(ctx);
    await writeCrlLocked(ctx, ca);
    return {
      certPath: store.caCertPath,
      keyPath: store.caKeyPath,
      crlPath: store.crlPath,
      certificateId: id,
      subject: cert.subject,
      notAfter: cert.notAfter,
      ...(archivedTo === undefined ? {} : { archivedTo }),
    };
  });
}

/** Moves the current CA and everything it issued to pki/archive/<timestamp>/ (nothing is deleted). */
async function archiveCurrentCa(ctx: PkiContext): Promise<string> {
  const { store } = ctx;
  const stamp = ctx.clock.now().toISOString().replace(/[:.]/g, '-');
  const target = store.archiveDir(stamp);
  await mkdir(target, { recursive: true });
  for (const entry of await readdir(store.dir)) {
    if (entry === 'archive' || entry === '.lock') continue;
    await rename(join(store.dir, entry), join(target, entry));
  }
  return target;
}

/** Loads the CA certificate and signing key; PKI_CA_NOT_FOUND when `ca init` has not run. */
export async function loadCa(ctx: PkiContext): Promise<CaMaterial> {
  return loadCaUnlocked(ctx);
}

async function loadCaUnlocked(ctx: PkiContext): Promise<CaMaterial> {
  const { store } = ctx;
  let certPem: string;
  let keyPem: string;
  try {
    certPem = await readFile(store.caCertPath, 'utf8');
    keyPem = await readFile(store.caKeyPath, 'utf8');
  } catch (err) {
    if (systemErrorCode(err) === 'ENOENT') {
      throw new CamlinkError('PKI_CA_NOT_FOUND', `no CA in ${store.dir}; run "camlink ca init" first`);
    }
    throw err;
  }
  const cert = new x509.X509Certificate(certPem);
  const signingKey = await importSigningKeyPem(keyPem, store.caKeyPath);
  return { cert, certPem: cert.toString('pem'), ...signingKey };
}
