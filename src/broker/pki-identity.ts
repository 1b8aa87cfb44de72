/**
 * The embedded default IdentityResolver: a certificate is a device when the operator PKI issued it as
 * a device certificate (pki/index.jsonl) and has not revoked it; its thing name is its CN and it gets
 * the repository's device policy. Certificates the PKI did not issue as device certificates (server,
 * verification, foreign) are refused even though they chain to the CA.
 */
import { stat } from 'node:fs/promises';
import { devicePolicy } from '../contracts/device-policy.js';
import type { ArnScope } from '../iot/policy/arn.js';
import type { PolicyDocument } from '../iot/policy/document.js';
import type { CertificateState, PkiStore } from '../pki/store.js';
import { systemErrorCode } from '../errors/camlink-error.js';
import {
  certificateIdOf,
  unauthenticatedIdentity,
  type IdentityResolver,
  type IdentityVerdict,
  type PeerCertificate,
} from './identity.js';

export class PkiIdentityResolver implements IdentityResolver {
  private byCertificateId = new Map<string, CertificateState>();
  private loadedMtime = -1;
  /** One list for every device, so the endpoint compiles it once. */
  private readonly policies: readonly PolicyDocument[];

  constructor(
    private readonly store: PkiStore,
    scope: ArnScope,
  ) {
    this.policies = [devicePolicy(scope)];
  }

  /** Re-reads the index when it changed on disk (cheap stat otherwise). */
  async refresh(): Promise<void> {
    let mtime: number;
    try {
      mtime = (await stat(this.store.indexPath)).mtimeMs;
    } catch (err) {
      if (systemErrorCode(err) === 'ENOENT') mtime = 0;
      else throw err;
    }
    if (mtime === this.loadedMtime) return;
    const certs = await this.store.certificates();
    this.byCertificateId = new Map([...certs.values()].map((c) => [c.certificateId, c]));
    this.loadedMtime = mtime;
  }

  async resolveCertificate(peer: PeerCertificate): Promise<IdentityVerdict> {
    await this.refresh();
    const certificateId = certificateIdOf(peer.raw);
    const record = this.byCertificateId.get(certificateId);
    if (record === undefined) return { ok: false, reason: `certificate ${certificateId} is not registered` };
    if (record.kind !== 'device')
      return { ok: false, reason: `certificate ${certificateId} is a ${record.kind} certificate` };
    if (record.status !== 'valid')
      return { ok: false, reason: `certificate ${certificateId} is ${record.status}` };
    return {
      ok: true,
      identity: {
        thingName: record.commonName,
        certificateId,
        subjectCommonName: peer.subjectCommonName,
        issuerCommonName: peer.issuerCommonName,
        isAttached: true,
        policies: this.policies,
      },
    };
  }

  resolveUnauthenticated(clientId: string): Promise<IdentityVerdict> {
    return Promise.resolve(unauthenticatedIdentity(clientId, this.policies));
  }

  async refusedSince(certificateIds: ReadonlySet<string>): Promise<Set<string>> {
    await this.refresh();
    const refused = new Set<string>();
    for (const id of certificateIds) {
      const record = this.byCertificateId.get(id);
      if (record === undefined || record.status !== 'valid') refused.add(id);
    }
    return refused;
  }
}
