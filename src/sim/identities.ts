/**
 * The simulated fleet's identities: device keys and certificates signed by the data dir's operator CA,
 * cached in DATA_DIR/sim/identities.jsonl (0600: it holds private keys) so a rerun reuses them. Issuing
 * 10,000 ECDSA certificates takes a while, so missing ones are issued in one batch under one PKI lock
 * (the index is read once, not per certificate) with bounded concurrency and progress. The cache names
 * the CA it was issued by; a new CA in the data dir discards it.
 *
 * The platform learns of these devices as it does of any camera: just-in-time provisioning on the first
 * mutual-TLS connect (the operator CA is registered with a JITP template by `camlink up`).
 */
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { certificateId, loadCa } from '../pki/ca.js';
import type { PkiContext } from '../pki/context.js';
import { issueCertificate } from '../pki/issue.js';
import { generateKeyPair, privateKeyToPem } from '../pki/keys.js';
import { SECRET_FILE_MODE } from '../util/atomic-file.js';
import { CamlinkError, systemErrorCode } from '../errors/camlink-error.js';

export interface SimIdentity {
  readonly deviceId: string;
  readonly certificatePem: string;
  readonly keyPem: string;
  readonly certificateId: string;
}

/** Certificates issued at once (key generation and signing run on libuv's thread pool). */
const ISSUE_CONCURRENCY = 8;
/** Cache lines written per append. */
const FLUSH_EVERY = 250;

export function simDeviceId(index: number): string {
  return `sim-${String(index).padStart(5, '0')}`;
}

export function identitiesPath(dataDir: string): string {
  return join(dataDir, 'sim', 'identities.jsonl');
}

/**
 * The first `count` identities (sim-00000, sim-00001, ...): cached ones, plus newly issued ones for the
 * rest. `progress(done, total)` follows the issuing.
 */
export async function loadOrIssueIdentities(
  pki: PkiContext,
  dataDir: string,
  count: number,
  progress: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<SimIdentity[]> {
  const ca = await loadCa(pki);
  const caId = certificateId(ca.cert);
  const path = identitiesPath(dataDir);
  const cached = await readCache(path, caId);
  const missing: number[] = [];
  for (let i = 0; i < count; i++) if (!cached.has(simDeviceId(i))) missing.push(i);
  if (missing.length > 0) {
    await mkdir(join(dataDir, 'sim'), { recursive: true });
    if (cached.size === 0) {
      await writeFile(path, `${JSON.stringify({ ca: caId })}\n`, { mode: SECRET_FILE_MODE });
    }
    await pki.store.withLock(async () => {
      const issued = await pki.store.certificates();
      let pending: string[] = [];
      let done = 0;
      const flush = async () => {
        const lines = pending;
        pending = [];
        if (lines.length > 0) await appendFile(path, lines.join(''), { mode: SECRET_FILE_MODE });
      };
      progress(0, missing.length);
      let next = 0;
      const worker = async () => {
        while (next < missing.length && signal?.aborted !== true) {
          const deviceId = simDeviceId(missing[next++] ?? 0);
          const keys = await generateKeyPair('ecdsa-p256');
          const cert = await issueCertificate(
            pki,
            ca,
            {
              kind: 'device',
              commonName: deviceId,
              publicKey: keys.publicKey,
              validityDays: pki.config.deviceValidityDays,
            },
            (serial) => issued.has(serial),
          );
          const identity: SimIdentity = {
            deviceId,
            certificatePem: cert.pem,
            keyPem: await privateKeyToPem(keys.privateKey),
            certificateId: cert.certificateId,
          };
          cached.set(deviceId, identity);
          pending.push(`${JSON.stringify(identity)}\n`);
          if (pending.length >= FLUSH_EVERY) await flush();
          progress(++done, missing.length);
        }
      };
      try {
        await Promise.all(Array.from({ length: ISSUE_CONCURRENCY }, worker));
      } finally {
        await flush();
      }
    });
  }
  if (signal?.aborted === true) throw new CamlinkError('SIM_INTERRUPTED', 'interrupted while issuing');
  const out: SimIdentity[] = [];
  for (let i = 0; i < count; i++) {
    const identity = cached.get(simDeviceId(i));
    if (identity === undefined) throw new CamlinkError('INTERNAL', `identity ${simDeviceId(i)} missing`);
    out.push(identity);
  }
  return out;
}

/** The cached identities issued by CA `caId`; none when the file is absent or names another CA. */
async function readCache(path: string, caId: string): Promise<Map<string, SimIdentity>> {
  const out = new Map<string, SimIdentity>();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (systemErrorCode(err) === 'ENOENT') return out;
    throw err;
  }
  const lines = text.split('\n');
  // A torn last line (a crash mid-append) is dropped; its identity is issued again.
  lines.pop();
  const header = lines.shift();
  if (header === undefined || (JSON.parse(header) as { ca?: unknown }).ca !== caId) return out;
  for (const line of lines) {
    try {
      const identity = JSON.parse(line) as SimIdentity;
      if (typeof identity.deviceId === 'string') out.set(identity.deviceId, identity);
    } catch {
      /* a damaged line: that identity is issued again */
    }
  }
  return out;
}
