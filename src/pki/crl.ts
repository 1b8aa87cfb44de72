/**
 * Revocation and the CRL (RFC 5280 section 5): a v2 CRL signed by the CA with AKI and a monotonically
 * increasing cRLNumber, listing every revoked certificate that has not yet expired. It is written to
 * DATA_DIR/pki/ca.crl.pem, which the embedded endpoint loads and `openssl verify -crl_check` honours.
 */
import { readFile } from 'node:fs/promises';
import { x509 } from './x509.js';
import { CamlinkError, systemErrorCode } from '../errors/camlink-error.js';
import { DAY_MS } from '../util/clock.js';
import { PUBLIC_FILE_MODE, writeFileAtomic } from '../util/atomic-file.js';
import { loadCa, type CaMaterial } from './ca.js';
import type { PkiContext } from './context.js';
import type { RevocationReason } from './store.js';

const CRL_NUMBER_OID = '2.5.29.20';

const reasonCodes: Record<RevocationReason, x509.X509CrlReason> = {
  unspecified: x509.X509CrlReason.unspecified,
  keyCompromise: x509.X509CrlReason.keyCompromise,
  caCompromise: x509.X509CrlReason.cACompromise,
  affiliationChanged: x509.X509CrlReason.affiliationChanged,
  superseded: x509.X509CrlReason.superseded,
  cessationOfOperation: x509.X509CrlReason.cessationOfOperation,
  privilegeWithdrawn: x509.X509CrlReason.privilegeWithdrawn,
};

export interface CrlResult {
  crlPath: string;
  crlNumber: number;
  revokedCount: number;
  nextUpdate: Date;
}

export interface RevokeResult extends CrlResult {
  revokedSerials: string[];
}

/** Revokes every valid certificate issued to `deviceId` (or only `serial`), then re-signs the CRL. */
export async function revokeDevice(
  ctx: PkiContext,
  deviceId: string,
  options: { reason: RevocationReason; serial?: string },
): Promise<RevokeResult> {
  const ca = await loadCa(ctx);
  return ctx.store.withLock(async () => {
    const certs = await ctx.store.certificates();
    const targets = [...certs.values()].filter(
      (c) =>
        c.kind === 'device' &&
        c.commonName === deviceId &&
        c.status === 'valid' &&
        (options.serial === undefined || c.serial === options.serial.toLowerCase()),
    );
    if (targets.length === 0) {
      const which = options.serial === undefined ? '' : ` with serial ${options.serial}`;
      throw new CamlinkError('PKI_DEVICE_NOT_FOUND', `no valid certificate for device "${deviceId}"${which}`);
    }
    const revokedAt = ctx.clock.now().toISOString();
    for (const target of targets) await ctx.store.appendRevoked(target.serial, revokedAt, options.reason);
    const crl = await writeCrlLocked(ctx, ca);
    return { ...crl, revokedSerials: targets.map((t) => t.serial) };
  });
}

/** Re-signs the CRL (e.g. before nextUpdate passes) without revoking anything. */
export async function refreshCrl(ctx: PkiContext): Promise<CrlResult> {
  const ca = await loadCa(ctx);
  return ctx.store.withLock(() => writeCrlLocked(ctx, ca));
}

/** Writes a new CRL; the caller holds the PKI lock. */
export async function writeCrlLocked(ctx: PkiContext, ca: CaMaterial): Promise<CrlResult> {
  const now = ctx.clock.now();
  const certs = await ctx.store.certificates();
  const entries: x509.X509CrlEntryParams[] = [];
  for (const c of certs.values()) {
    if (c.status !== 'revoked' || new Date(c.notAfter) < now) continue;
    entries.push({
      serialNumber: c.serial,
      revocationDate: new Date(c.revokedAt ?? now.toISOString()),
      reason: reasonCodes[c.revocationReason ?? 'unspecified'],
    });
  }
  const crlNumber = (await readCrlNumber(ctx)) + 1;
  const nextUpdate = new Date(now.getTime() + ctx.config.crlValidityDays * DAY_MS);
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.cert.subjectName,
    thisUpdate: now,
    nextUpdate,
    entries,
    signingKey: ca.key,
    signingAlgorithm: ca.signing,
    extensions: [
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
      new x509.Extension(CRL_NUMBER_OID, false, derInteger(crlNumber)),
    ],
  });
  // RFC 7468 section 5 labels CRLs "X509 CRL" (what OpenSSL and Node's tls accept).
  const pem = x509.PemConverter.encode(crl.rawData, 'X509 CRL');
  await writeFileAtomic(ctx.store.crlPath, `${pem}\n`, { mode: PUBLIC_FILE_MODE, overwrite: true });
  await writeFileAtomic(ctx.store.crlNumberPath, `${crlNumber}\n`, {
    mode: PUBLIC_FILE_MODE,
    overwrite: true,
  });
  return { crlPath: ctx.store.crlPath, crlNumber, revokedCount: entries.length, nextUpdate };
}

async function readCrlNumber(ctx: PkiContext): Promise<number> {
  try {
    const n = Number.parseInt(await readFile(ctx.store.crlNumberPath, 'utf8'), 10);
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new CamlinkError('PKI_STORE_CORRUPT', `${ctx.store.crlNumberPath} does not hold a CRL number`);
    }
    return n;
  } catch (err) {
    if (systemErrorCode(err) === 'ENOENT') return 0;
    throw err;
  }
}

/** DER INTEGER for a non-negative safe integer (X.690 8.3): minimal big-endian two's complement. */
export function derInteger(value: number): Uint8Array {
  const bytes: number[] = [];
  let v = value;
  do {
    bytes.unshift(v % 256);
    v = Math.floor(v / 256);
  } while (v > 0);
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return new Uint8Array([0x02, bytes.length, ...bytes]);
}
