/**
 * The operator PKI on disk, under DATA_DIR/pki:
 *   ca.cert.pem, ca.key.pem (0600), ca.crl.pem, crlnumber,
 *   index.jsonl   append-only log of issued / revoked certificates (like openssl's index.txt),
 *   issued/SERIAL.cert.pem   a copy of every certificate issued,
 *   archive/TIMESTAMP/       a CA replaced with --force, kept rather than deleted.
 * Writers hold .lock (O_EXCL, holder pid inside; a dead holder's lock is taken over).
 */
import { open, readFile, unlink, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CamlinkError, systemErrorCode } from '../errors/camlink-error.js';
import { fsyncDir } from '../util/atomic-file.js';

export type CertificateKind = 'ca' | 'device' | 'server' | 'verification';

export const revocationReasons = [
  'unspecified',
  'keyCompromise',
  'caCompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'privilegeWithdrawn',
] as const;
export type RevocationReason = (typeof revocationReasons)[number];

export interface IssuedRecord {
  serial: string;
  kind: CertificateKind;
  commonName: string;
  /** sha256 of the DER, lowercase hex: AWS IoT's certificateId for the same certificate. */
  certificateId: string;
  notBefore: string;
  notAfter: string;
  issuedAt: string;
}

export interface CertificateState extends IssuedRecord {
  status: 'valid' | 'revoked';
  revokedAt?: string;
  revocationReason?: RevocationReason;
}

type IndexEvent =
  | ({ event: 'issued' } & IssuedRecord)
  | { event: 'revoked'; serial: string; revokedAt: string; reason: RevocationReason };

const LOCK_WAIT_MS = 10_000;
const LOCK_POLL_MS = 25;

export class PkiStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'pki');
  }

  get caCertPath(): string {
    return join(this.dir, 'ca.cert.pem');
  }
  get caKeyPath(): string {
    return join(this.dir, 'ca.key.pem');
  }
  get crlPath(): string {
    return join(this.dir, 'ca.crl.pem');
  }
  get crlNumberPath(): string {
    return join(this.dir, 'crlnumber');
  }
  get indexPath(): string {
    return join(this.dir, 'index.jsonl');
  }
  issuedCertPath(serial: string): string {
    return join(this.dir, 'issued', `${serial}.cert.pem`);
  }
  archiveDir(stamp: string): string {
    return join(this.dir, 'archive', stamp);
  }

  /** Current state of every certificate the CA issued, folded from the index log. */
  async certificates(): Promise<Map<string, CertificateState>> {
    let text: string;
    try {
      text = await readFile(this.indexPath, 'utf8');
    } catch (err) {
      if (systemErrorCode(err) === 'ENOENT') return new Map();
      throw err;
    }
    const lines = text.split('\n');
    // A final line without its newline is a write torn by a crash: the record was never acknowledged.
    lines.pop();
    const state = new Map<string, CertificateState>();
    lines.forEach((line, i) => {
      let event: IndexEvent;
      try {
        event = JSON.parse(line) as IndexEvent;
      } catch {
        throw new CamlinkError('PKI_STORE_CORRUPT', `${this.indexPath} line ${i + 1} is not JSON`);
      }
      if (event.event === 'issued') {
        const { serial, kind, commonName, certificateId, notBefore, notAfter, issuedAt } = event;
        state.set(serial, {
          serial,
          kind,
          commonName,
          certificateId,
          notBefore,
          notAfter,
          issuedAt,
          status: 'valid',
        });
      } else if (event.event === 'revoked') {
        const current = state.get(event.serial);
        if (current === undefined) {
          throw new CamlinkError(
            'PKI_STORE_CORRUPT',
            `${this.indexPath} line ${i + 1} revokes an unknown serial`,
          );
        }
        state.set(event.serial, {
          ...current,
          status: 'revoked',
          revokedAt: event.revokedAt,
          revocationReason: event.reason,
        });
      } else {
        throw new CamlinkError('PKI_STORE_CORRUPT', `${this.indexPath} line ${i + 1} has an unknown event`);
      }
    });
    return state;
  }

  async appendIssued(record: IssuedRecord): Promise<void> {
    await this.append({ event: 'issued', ...record });
  }

  async appendRevoked(serial: string, revokedAt: string, reason: RevocationReason): Promise<void> {
    await this.append({ event: 'revoked', serial, revokedAt, reason });
  }

  private async append(event: IndexEvent): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const handle = await open(this.indexPath, 'a', 0o644);
    try {
      await handle.writeFile(`${JSON.stringify(event)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Runs `fn` holding the PKI lock; waits up to 10 s for another writer, then fails with PKI_LOCKED. */
  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    const lockPath = join(this.dir, '.lock');
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const handle = await open(lockPath, 'wx', 0o600);
        await handle.writeFile(String(process.pid));
        await handle.close();
        break;
      } catch (err) {
        if (systemErrorCode(err) !== 'EEXIST') throw err;
        if (await this.lockHolderIsDead(lockPath)) {
          await unlink(lockPath).catch(() => undefined);
          continue;
        }
        if (Date.now() >= deadline) {
          throw new CamlinkError('PKI_LOCKED', `${lockPath} is held by another camlink process`);
        }
        await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
      }
    }
    try {
      return await fn();
    } finally {
      await unlink(lockPath).catch(() => undefined);
      await fsyncDir(this.dir).catch(() => undefined);
    }
  }

  private async lockHolderIsDead(lockPath: string): Promise<boolean> {
    let pid: number;
    try {
      pid = Number.parseInt(await readFile(lockPath, 'utf8'), 10);
    } catch {
      return false; // being written or just released: try again
    }
    if (!Number.isInteger(pid) || pid <= 0) return false;
    if (pid === process.pid) return false;
    try {
      process.kill(pid, 0);
      return false;
    } catch (err) {
      return systemErrorCode(err) === 'ESRCH';
    }
  }
}
