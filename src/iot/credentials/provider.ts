/**
 * The AWS IoT credentials provider (developer guide "Authorizing direct calls to AWS services using
 * AWS IoT Core credential provider"): a device presents its certificate over mutual TLS and asks
 * `/role-aliases/<alias>/credentials`, optionally naming its thing in `x-amzn-iot-thingname`. The
 * certificate must be registered and ACTIVE (its CA too); a named thing must be attached to it; the
 * certificate's IoT policies must allow `iot:AssumeRoleWithCertificate` on the role alias ARN; then it
 * gets temporary credentials of the alias's role for the alias's duration, which the embedded services
 * accept and restrict to what the role's permission policy allows with `credentials-iot:*` variables.
 */
import type { InMemoryCredentialStore } from '../../auth/credentials.js';
import { certificateIdOf, type PeerCertificate } from '../../broker/identity.js';
import { parsePolicyDocument } from '../policy/document.js';
import { PolicySet } from '../policy/evaluate.js';
import type { IotRegistry } from '../registry/registry.js';
import type { Clock, RandomBytes } from '../../util/clock.js';

/** Where a refusal comes from; the server maps it to AWS's status codes. */
export class CredentialsProviderError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 429,
    message: string,
  ) {
    super(message);
    this.name = 'CredentialsProviderError';
  }
}

export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** ISO 8601, as AWS answers. */
  readonly expiration: string;
}

export interface CredentialsProviderOptions {
  readonly registry: IotRegistry;
  /** Where issued credentials go; the embedded S3/KVS verify against it. */
  readonly store: InMemoryCredentialStore;
  readonly clock: Clock;
  readonly random: RandomBytes;
  /** Live temporary credentials kept at most (expired ones are pruned first). */
  readonly maxSessions: number;
  /** Live temporary credentials per certificate (the oldest is dropped beyond it). */
  readonly maxSessionsPerCertificate: number;
  /**
   * Can the provider assume the alias's role for this long (IAM: the role exists, trusts
   * credentials.iot.amazonaws.com, allows the duration)? Returns why not, or undefined. Unset: the
   * role is taken as given.
   */
  readonly checkRole?: (roleArn: string, roleAliasArn: string, durationSeconds: number) => string | undefined;
}

const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export class CredentialsProvider {
  private readonly byCertificate = new Map<string, string[]>();

  constructor(private readonly options: CredentialsProviderOptions) {}

  issue(peer: PeerCertificate, roleAlias: string, thingName: string | undefined): IssuedCredentials {
    const { registry } = this.options;
    const certificateId = certificateIdOf(peer.raw);
    const cert = registry.certificate(certificateId);
    if (cert === undefined || cert.status !== 'ACTIVE') {
      throw new CredentialsProviderError(403, `certificate ${certificateId} is not registered and ACTIVE`);
    }
    if (
      cert.ca_certificate_id !== null &&
      registry.caCertificate(cert.ca_certificate_id)?.status !== 'ACTIVE'
    ) {
      throw new CredentialsProviderError(403, `the CA of certificate ${certificateId} is not ACTIVE`);
    }
    const alias = registry.roleAlias(roleAlias);
    if (alias === undefined)
      throw new CredentialsProviderError(404, `role alias ${roleAlias} does not exist`);

    let thing: { name: string; typeName: string | undefined } | undefined;
    if (thingName !== undefined) {
      if (!THING_NAME.test(thingName))
        throw new CredentialsProviderError(400, 'x-amzn-iot-thingname is not a valid thing name');
      if (!registry.thingsOfCertificate(certificateId).includes(thingName)) {
        throw new CredentialsProviderError(403, `thing ${thingName} is not attached to this certificate`);
      }
      thing = { name: thingName, typeName: registry.thingTypeOf(thingName) };
    }

    const documents = registry
      .attachedPolicies(registry.certificateArn(certificateId))
      .map((p) => parsePolicyDocument(p.policy_name, p.document));
    const allowed = new PolicySet(documents)
      .bind({
        // The thing named in the header plays the client id's part for the thing variables.
        clientId: thing?.name ?? '',
        thingName: thing?.name,
        thingTypeName: thing?.typeName,
        isAttached: thing !== undefined,
        certificateId,
        subjectCommonName: peer.subjectCommonName,
        issuerCommonName: peer.issuerCommonName,
      })
      .authorize('iot:AssumeRoleWithCertificate', registry.roleAliasArn(roleAlias));
    if (!allowed) {
      throw new CredentialsProviderError(
        403,
        `the certificate's policies do not allow iot:AssumeRoleWithCertificate on role alias ${roleAlias}`,
      );
    }

    const refusal = this.options.checkRole?.(
      alias.role_arn,
      registry.roleAliasArn(roleAlias),
      alias.credential_duration_seconds,
    );
    if (refusal !== undefined) {
      // What AWS answers when the credentials provider cannot assume the alias's role.
      throw new CredentialsProviderError(
        403,
        `Unable to assume the role, or the role to assume does not exist: ${refusal}`,
      );
    }

    const now = this.options.clock.now();
    const expiresAt = new Date(now.getTime() + alias.credential_duration_seconds * 1000);
    const variables: Record<string, string> = { 'credentials-iot:AwsCertificateId': certificateId };
    if (thing !== undefined) {
      variables['credentials-iot:ThingName'] = thing.name;
      if (thing.typeName !== undefined) variables['credentials-iot:ThingTypeName'] = thing.typeName;
    }
    const record = {
      accessKeyId: `ASIA${this.base32(16)}`,
      secretAccessKey: Buffer.from(this.options.random(30)).toString('base64'),
      sessionToken: Buffer.from(this.options.random(96)).toString('base64'),
      expiresAt,
      session: { roleArn: alias.role_arn, variables },
    };
    this.admit(certificateId, record.accessKeyId);
    this.options.store.add(record);
    return {
      accessKeyId: record.accessKeyId,
      secretAccessKey: record.secretAccessKey,
      sessionToken: record.sessionToken,
      expiration: expiresAt.toISOString(),
    };
  }

  /** Keeps the number of live sessions bounded, overall and per certificate. */
  private admit(certificateId: string, accessKeyId: string): void {
    const { store, clock } = this.options;
    if (store.size >= this.options.maxSessions) {
      store.prune(clock.now());
      for (const [id, keys] of this.byCertificate) {
        const live = keys.filter((k) => store.lookup(k) !== undefined);
        if (live.length === 0) this.byCertificate.delete(id);
        else this.byCertificate.set(id, live);
      }
      if (store.size >= this.options.maxSessions) {
        throw new CredentialsProviderError(429, 'too many live credentials; try again later');
      }
    }
    const keys = (this.byCertificate.get(certificateId) ?? []).filter((k) => store.lookup(k) !== undefined);
    while (keys.length >= this.options.maxSessionsPerCertificate) {
      const oldest = keys.shift();
      if (oldest !== undefined) store.remove(oldest);
    }
    keys.push(accessKeyId);
    this.byCertificate.set(certificateId, keys);
  }

  private base32(length: number): string {
    const bytes = this.options.random(length);
    let out = '';
    for (const b of bytes) out += BASE32[b % 32];
    return out;
  }
}
