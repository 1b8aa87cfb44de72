/**
 * The endpoint's IdentityResolver backed by the IoT registry, as AWS IoT Core decides who connects:
 * the certificate must be registered and ACTIVE (its CA ACTIVE too); the thing name is its CN (or
 * another thing the certificate is attached to, named as the client id); its policies are those
 * attached to the certificate. An unregistered certificate from a registered CA with
 * auto-registration is registered and provisioned just in time, and that first connection is refused.
 */
import type { Logger } from '../../log/logger.js';
import { parsePolicyDocument, type PolicyDocument } from '../policy/document.js';
import { x509 } from '../../pki/x509.js';
import type { IdentityResolver, IdentityVerdict, PeerCertificate } from '../../broker/identity.js';
import { certificateIdOf, unauthenticatedIdentity } from '../../broker/identity.js';
import type { IotRegistry } from './registry.js';

/** Live certificates from which refusedSince() asks the registry once instead of once per certificate. */
const BULK_CHECK_FROM = 64;

export class RegistryIdentityResolver implements IdentityResolver {
  /** Where registration events go (the endpoint's own publish); set once the endpoint runs. */
  publish: ((topic: string, payload: string) => Promise<void>) | undefined;
  private readonly documents = new Map<string, PolicyDocument>();
  private readonly lists = new Map<string, readonly PolicyDocument[]>();

  constructor(
    private readonly registry: IotRegistry,
    private readonly logger: Logger,
    /** Policies for the dev plaintext listener (no certificate). */
    private readonly plaintextPolicyNames: readonly string[] = [],
  ) {}

  async resolveCertificate(peer: PeerCertificate): Promise<IdentityVerdict> {
    const certificateId = certificateIdOf(peer.raw);
    const row = this.registry.certificate(certificateId);
    if (row === undefined) return this.firstSight(peer, certificateId);
    if (row.status !== 'ACTIVE')
      return { ok: false, reason: `certificate ${certificateId} is ${row.status}` };
    if (
      row.ca_certificate_id !== null &&
      this.registry.caCertificate(row.ca_certificate_id)?.status !== 'ACTIVE'
    ) {
      return { ok: false, reason: `the CA of certificate ${certificateId} is not ACTIVE` };
    }
    const thingName = row.common_name;
    if (thingName === null)
      return { ok: false, reason: `certificate ${certificateId} has no CN to name its thing` };
    const arn = this.registry.certificateArn(certificateId);
    return {
      ok: true,
      identity: {
        thingName,
        certificateId,
        subjectCommonName: peer.subjectCommonName,
        issuerCommonName: peer.issuerCommonName,
        isAttached: this.registry.isThingAttached(thingName, arn),
        otherThings: this.registry.thingsOfCertificate(certificateId).filter((name) => name !== thingName),
        policies: this.policiesOf(this.registry.attachedPolicies(arn)),
      },
    };
  }

  private async firstSight(peer: PeerCertificate, certificateId: string): Promise<IdentityVerdict> {
    const cert = new x509.X509Certificate(peer.raw);
    const outcome = await this.registry.registerJustInTime({
      cert,
      pem: cert.toString('pem'),
      certificateId,
      commonName: peer.subjectCommonName,
    });
    if (outcome === undefined) {
      return {
        ok: false,
        reason: `certificate ${certificateId} is not registered (and no CA with auto-registration issued it)`,
      };
    }
    this.publish?.(outcome.event.topic, outcome.event.payload).catch((err: unknown) =>
      this.logger.error({ err }, 'registration event failed'),
    );
    if (outcome.failure !== undefined) {
      this.logger.warn({ certificateId, reason: outcome.failure }, 'just-in-time provisioning failed');
      return { ok: false, reason: `just-in-time provisioning failed: ${outcome.failure}` };
    }
    this.logger.info(
      { certificateId, caCertificateId: outcome.caCertificateId, provisioned: outcome.provisioned },
      'certificate registered just in time',
    );
    return {
      ok: false,
      reason: 'certificate registered just in time; as on AWS the first connection is closed: connect again',
      transient: true,
    };
  }

  resolveUnauthenticated(clientId: string): Promise<IdentityVerdict> {
    const rows = this.plaintextPolicyNames.flatMap((name) => {
      try {
        const p = this.registry.getPolicy(name);
        return [{ policy_name: name, version_id: p.defaultVersionId, document: p.policyDocument }];
      } catch {
        return [];
      }
    });
    return Promise.resolve(unauthenticatedIdentity(clientId, this.policiesOf(rows)));
  }

  refusedSince(certificateIds: ReadonlySet<string>): Promise<Set<string>> {
    if (certificateIds.size > BULK_CHECK_FROM) {
      // A fleet: one query for every certificate still allowed beats a lookup per live session.
      const allowed = this.registry.activeCertificateIds();
      return Promise.resolve(new Set([...certificateIds].filter((id) => !allowed.has(id))));
    }
    const refused = new Set<string>();
    for (const id of certificateIds) {
      const row = this.registry.certificate(id);
      const caActive =
        row?.ca_certificate_id == null ||
        this.registry.caCertificate(row.ca_certificate_id)?.status === 'ACTIVE';
      if (row === undefined || row.status !== 'ACTIVE' || !caActive) refused.add(id);
    }
    return Promise.resolve(refused);
  }

  /** The same array for the same policy versions, so the endpoint compiles each set once. */
  private policiesOf(
    rows: { policy_name: string; version_id: string; document: string }[],
  ): readonly PolicyDocument[] {
    const key = rows.map((r) => `${r.policy_name}@${r.version_id}`).join('\n');
    const cached = this.lists.get(key);
    if (cached) return cached;
    const list = rows.map((r) => {
      const docKey = `${r.policy_name}@${r.version_id}`;
      let doc = this.documents.get(docKey);
      if (doc === undefined) {
        doc = parsePolicyDocument(r.policy_name, r.document);
        this.documents.set(docKey, doc);
      }
      return doc;
    });
    this.lists.set(key, list);
    return list;
  }
}
