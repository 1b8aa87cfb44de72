/**
 * The embedded AWS IoT registry: CA and device certificates, things, policies and their attachments, role aliases,
 * in SQLite, with the operations of the AWS IoT API subset camlink implements and just-in-time
 * provisioning (developer guide jit-provisioning): a certificate signed by a registered CA with
 * auto-registration enabled is registered PENDING_ACTIVATION on its first CONNECT, announced on
 * $aws/events/certificates/registered/<caCertificateId>, provisioned from the CA's template, and that
 * first connection is dropped, as AWS does. Changes are emitted so the endpoint acts on live sessions.
 */
import { EventEmitter } from 'node:events';
import type { ArnScope } from '../policy/arn.js';
import type { Clock } from '../../util/clock.js';
import { systemClock } from '../../util/clock.js';
import { openRegistryDb, type Db } from './db.js';
import { arnOf, type RegistryContext, type RegistryEvents } from './context.js';
import * as ca from './ca-certificates.js';
import * as certs from './certificates.js';
import * as things from './things.js';
import * as policies from './policies.js';
import * as roleAliases from './role-aliases.js';
import { planProvisioning, parseTemplate } from './jitp-template.js';
import { parseCertificatePem, type ParsedCertificate } from './certificate-pem.js';
import { IotApiError } from './errors.js';

export interface JitpOutcome {
  caCertificateId: string;
  certificateId: string;
  /** The registration event AWS publishes. */
  event: { topic: string; payload: string };
  provisioned: boolean;
  failure?: string;
}

export class IotRegistry {
  readonly ctx: RegistryContext;
  readonly events = new EventEmitter<RegistryEvents>();
  /**
   * JITP assumes the CA's registrationConfig.roleArn before it provisions (AWS IoT: the role must
   * exist and trust iot.amazonaws.com). Returns why it cannot, or undefined; unset: not checked.
   */
  jitpRoleCheck: ((roleArn: string, caCertificateArn: string) => string | undefined) | undefined;

  constructor(db: Db, scope: ArnScope, clock: Clock = systemClock) {
    this.ctx = { db, scope, clock, events: this.events };
  }

  static open(path: string, scope: ArnScope, clock?: Clock): IotRegistry {
    return new IotRegistry(openRegistryDb(path), scope, clock);
  }

  close(): void {
    this.ctx.db.close();
  }

  // CA certificates
  registrationCode = () => ca.registrationCode(this.ctx);
  registerCaCertificate = (input: Parameters<typeof ca.registerCaCertificate>[1]) =>
    ca.registerCaCertificate(this.ctx, input);
  updateCaCertificate = (id: string, input: Parameters<typeof ca.updateCaCertificate>[2]) =>
    ca.updateCaCertificate(this.ctx, id, input);
  describeCaCertificate = (id: string) => ca.describeCaCertificate(this.ctx, id);
  listCaCertificates = (input: Parameters<typeof ca.listCaCertificates>[1]) =>
    ca.listCaCertificates(this.ctx, input);
  deleteCaCertificate = (id: string) => ca.deleteCaCertificate(this.ctx, id);
  activeCaPems = (): string[] => ca.activeCaRows(this.ctx).map((row) => row.pem);

  // Device certificates
  registerCertificate = (input: Parameters<typeof certs.registerCertificate>[1]) =>
    certs.registerCertificate(this.ctx, input);
  registerCertificateWithoutCa = (input: Parameters<typeof certs.registerCertificateWithoutCa>[1]) =>
    certs.registerCertificateWithoutCa(this.ctx, input);
  /**
   * Registers a certificate the platform itself issued (CreateCertificateFromCsr): like AWS's own CA,
   * the issuer need not be a registered CA; when it is, the certificate is linked to it.
   */
  registerIssuedCertificate = async (pem: string, setAsActive: boolean) => {
    const parsed = parseCertificatePem(pem, 'certificatePem');
    const issuer = await certs.findIssuingCa(this.ctx, parsed.cert);
    return certs.insertCertificate(
      this.ctx,
      parsed,
      issuer?.certificate_id ?? null,
      issuer?.mode ?? 'DEFAULT',
      setAsActive ? 'ACTIVE' : 'INACTIVE',
    );
  };
  updateCertificate = (id: string, status: string) => certs.updateCertificate(this.ctx, id, status);
  describeCertificate = (id: string) => certs.describeCertificate(this.ctx, id);
  listCertificatesByCa = (caId: string, input: Parameters<typeof certs.listCertificatesByCa>[2]) =>
    certs.listCertificatesByCa(this.ctx, caId, input);
  deleteCertificate = (id: string, forceDelete: boolean) =>
    certs.deleteCertificate(this.ctx, id, forceDelete);
  certificate = (id: string) => certs.getCertificateRow(this.ctx, id);
  caCertificate = (id: string) => ca.getCaRow(this.ctx, id);

  // Things
  createThing = (input: Parameters<typeof things.createThing>[1]) => things.createThing(this.ctx, input);
  describeThing = (name: string) => things.describeThing(this.ctx, name);
  thingTypeOf = (name: string): string | undefined =>
    things.getThing(this.ctx, name)?.thing_type ?? undefined;
  listThings = (input: Parameters<typeof things.listThings>[1]) => things.listThings(this.ctx, input);
  deleteThing = (name: string, expectedVersion?: number) =>
    things.deleteThing(this.ctx, name, expectedVersion);
  attachThingPrincipal = (name: string, principal: string) =>
    things.attachThingPrincipal(this.ctx, name, principal);
  listThingPrincipals = (name: string) => things.listThingPrincipals(this.ctx, name);
  detachThingPrincipal = (name: string, principal: string) =>
    things.detachThingPrincipal(this.ctx, name, principal);
  listPrincipalThings = (principal: string, input: Parameters<typeof things.listPrincipalThings>[2]) =>
    things.listPrincipalThings(this.ctx, principal, input);
  isThingAttached = (name: string, principal: string) => things.isThingAttached(this.ctx, name, principal);

  // Policies
  createPolicy = (name: string, document: string) => policies.createPolicy(this.ctx, name, document);
  getPolicy = (name: string) => policies.getPolicy(this.ctx, name);
  attachPolicy = (name: string, target: string) => policies.attachPolicy(this.ctx, name, target);
  detachPolicy = (name: string, target: string) => policies.detachPolicy(this.ctx, name, target);
  listTargetsForPolicy = (name: string, input: Parameters<typeof policies.listTargetsForPolicy>[2]) =>
    policies.listTargetsForPolicy(this.ctx, name, input);
  deletePolicy = (name: string) => policies.deletePolicy(this.ctx, name);
  listAttachedPolicies = (target: string, input: Parameters<typeof policies.listAttachedPolicies>[2]) =>
    policies.listAttachedPolicies(this.ctx, target, input);
  attachedPolicies = (target: string) => policies.attachedPolicies(this.ctx, target);
  hasPolicy = (name: string): boolean =>
    this.ctx.db.prepare(`SELECT 1 FROM policies WHERE policy_name = ?`).get(name) !== undefined;
  replacePolicyDocument = (name: string, document: string) =>
    policies.replacePolicyDocument(this.ctx, name, document);

  // Role aliases (the IoT credentials provider)
  createRoleAlias = (name: string, input: Parameters<typeof roleAliases.createRoleAlias>[2]) =>
    roleAliases.createRoleAlias(this.ctx, name, input);
  describeRoleAlias = (name: string) => roleAliases.describeRoleAlias(this.ctx, name);
  updateRoleAlias = (name: string, input: Parameters<typeof roleAliases.updateRoleAlias>[2]) =>
    roleAliases.updateRoleAlias(this.ctx, name, input);
  deleteRoleAlias = (name: string) => roleAliases.deleteRoleAlias(this.ctx, name);
  listRoleAliases = (input: Parameters<typeof roleAliases.listRoleAliases>[1]) =>
    roleAliases.listRoleAliases(this.ctx, input);
  roleAlias = (name: string) => roleAliases.roleAliasRow(this.ctx, name);
  roleAliasArn = (name: string) => arnOf(this.ctx, 'rolealias', name);
  /** Ids of the certificates that may connect: ACTIVE, and their CA (if registered with one) ACTIVE. */
  activeCertificateIds = (): Set<string> =>
    new Set(
      (
        this.ctx.db
          .prepare(
            `SELECT c.certificate_id AS id FROM certificates c
               LEFT JOIN ca_certificates ca ON ca.certificate_id = c.ca_certificate_id
              WHERE c.status = 'ACTIVE' AND (c.ca_certificate_id IS NULL OR ca.status = 'ACTIVE')`,
          )
          .all() as { id: string }[]
      ).map((r) => r.id),
    );
  /** The things a certificate is attached to (ListPrincipalThings). */
  thingsOfCertificate = (certificateId: string): string[] =>
    (
      this.ctx.db
        .prepare(`SELECT thing_name FROM thing_principals WHERE principal = ? ORDER BY thing_name`)
        .all(this.certificateArn(certificateId)) as { thing_name: string }[]
    ).map((r) => r.thing_name);

  certificateArn = (id: string) => arnOf(this.ctx, 'cert', id);

  /**
   * First sight of a certificate that is not registered: if an ACTIVE registered CA with
   * auto-registration issued it, register it PENDING_ACTIVATION and provision it from the CA's
   * template (JITP). Returns undefined when no such CA issued it.
   */
  async registerJustInTime(parsed: ParsedCertificate): Promise<JitpOutcome | undefined> {
    const issuer = await certs.findIssuingCa(this.ctx, parsed.cert);
    if (issuer === undefined || issuer.status !== 'ACTIVE' || issuer.auto_registration !== 'ENABLE')
      return undefined;
    const now = this.ctx.clock.now().getTime();
    certs.insertCertificate(this.ctx, parsed, issuer.certificate_id, issuer.mode, 'PENDING_ACTIVATION');
    const event = {
      topic: `$aws/events/certificates/registered/${issuer.certificate_id}`,
      payload: JSON.stringify({
        certificateId: parsed.certificateId,
        caCertificateId: issuer.certificate_id,
        timestamp: now,
        certificateStatus: 'PENDING_ACTIVATION',
        awsAccountId: this.ctx.scope.account,
        certificateRegistrationTimestamp: String(now),
      }),
    };
    const outcome: JitpOutcome = {
      caCertificateId: issuer.certificate_id,
      certificateId: parsed.certificateId,
      event,
      provisioned: false,
    };
    if (issuer.template_body === null) return outcome; // JITR: someone else activates it
    const check = this.jitpRoleCheck;
    const roleRefusal =
      check === undefined
        ? undefined
        : issuer.role_arn === null
          ? 'the CA has no provisioning role'
          : check(issuer.role_arn, arnOf(this.ctx, 'cacert', issuer.certificate_id));
    if (roleRefusal !== undefined) {
      outcome.failure = `cannot assume the provisioning role: ${roleRefusal}`;
      return outcome;
    }
    try {
      this.provision(parsed, issuer.template_body);
      outcome.provisioned = true;
    } catch (err) {
      outcome.failure = err instanceof Error ? err.message : String(err);
    }
    return outcome;
  }

  private provision(parsed: ParsedCertificate, templateBody: string): void {
    const subject = parsed.cert.subjectName;
    const field = (name: string) => subject.getField(name)[0];
    const values: Record<string, string> = { 'AWS::IoT::Certificate::Id': parsed.certificateId };
    const fields: [string, string][] = [
      ['CommonName', 'CN'],
      ['Country', 'C'],
      ['Organization', 'O'],
      ['OrganizationalUnit', 'OU'],
      ['DistinguishedNameQualifier', '2.5.4.46'],
      ['StateName', 'ST'],
      ['SerialNumber', '2.5.4.5'],
    ];
    for (const [parameter, attribute] of fields) {
      const v = field(attribute);
      if (v !== undefined) values[`AWS::IoT::Certificate::${parameter}`] = v;
    }
    const plan = planProvisioning(parseTemplate(templateBody), values);
    const arn = this.certificateArn(parsed.certificateId);
    this.ctx.db.transaction(() => {
      if (plan.thing) {
        if (things.getThing(this.ctx, plan.thing.name) === undefined) {
          things.createThing(this.ctx, {
            thingName: plan.thing.name,
            thingTypeName: plan.thing.typeName,
            attributes: plan.thing.attributes,
          });
        }
        things.attachThingPrincipal(this.ctx, plan.thing.name, arn);
      }
      plan.policies.forEach((policy, i) => {
        if ('name' in policy) {
          if (!this.hasPolicy(policy.name)) {
            throw new IotApiError(
              'ResourceNotFoundException',
              `template policy ${policy.name} does not exist`,
            );
          }
          policies.attachPolicy(this.ctx, policy.name, arn);
        } else {
          const name = `jitp-${parsed.certificateId.slice(0, 16)}-${i}`;
          if (!this.hasPolicy(name)) policies.createPolicy(this.ctx, name, policy.document);
          policies.attachPolicy(this.ctx, name, arn);
        }
      });
    })();
    const status = plan.certificateStatus === 'INACTIVE' ? 'INACTIVE' : 'ACTIVE';
    certs.setCertificateStatus(this.ctx, parsed.certificateId, status);
  }
}
