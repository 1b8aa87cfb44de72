/**
 * The STS operations (AWS STS API Reference): AssumeRole and GetCallerIdentity. AssumeRole validates as
 * AWS does (RoleArn 20-2048, RoleSessionName 2-64 of [\w+=,.@-], DurationSeconds 900..the role's
 * MaxSessionDuration, at most 3600 when chaining from another role session), refuses a caller the role's
 * trust policy does not name (AccessDenied), and a session caller whose own role policy does not allow
 * sts:AssumeRole on the role. Issued credentials (ASIA..., SessionToken, Expiration) go into the
 * credential store the embedded services verify against, tagged with the role so each service holds
 * them to the role's permission policies; they stop working at Expiration (ExpiredToken).
 *
 * `maxSessionSeconds` is a rehearsal-only cap: sessions live at most that long whatever was asked, so a
 * short rehearsal crosses an expiry. AWS itself never issues less than 900 s.
 */
import { EventEmitter } from 'node:events';
import type { CredentialRecord, InMemoryCredentialStore } from '../auth/credentials.js';
import type { Clock, RandomBytes } from '../util/clock.js';
import { StsError } from './errors.js';
import { ROLE_ARN, trusts, type RoleDefinition } from './roles.js';
import { roleTrusts, type RoleDirectory } from '../iam/role-directory.js';

/** A role STS can hand out: one of sts.roles, or one IAM holds (its trust policy evaluated). */
interface AssumableRole {
  readonly partition: 'aws' | 'aws-cn';
  readonly account: string;
  readonly name: string;
  readonly roleId: string;
  readonly maxSessionDuration: number;
  trusts(callerArn: string): boolean;
}

export interface AssumeRoleInput {
  readonly RoleArn?: string;
  readonly RoleSessionName?: string;
  readonly DurationSeconds?: string;
}

export interface AssumedRole {
  readonly assumedRoleUser: { readonly arn: string; readonly assumedRoleId: string };
  readonly credentials: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken: string;
    /** ISO 8601 without milliseconds, as STS answers. */
    readonly expiration: string;
  };
}

export interface CallerIdentity {
  readonly arn: string;
  readonly userId: string;
  readonly account: string;
}

export interface StsServiceOptions {
  readonly roles: readonly RoleDefinition[];
  readonly store: InMemoryCredentialStore;
  readonly clock: Clock;
  readonly random: RandomBytes;
  /** The account and identity of the platform's own long-lived keys (an IAM user of the account). */
  readonly account: string;
  readonly partition: 'aws' | 'aws-cn';
  readonly localPrincipalArn: string;
  /** May a role session do `sts:AssumeRole` on `roleArn`? (its role's permission policy) */
  readonly authorizeSession: (credential: CredentialRecord, action: `sts:${string}`, arn: string) => boolean;
  /** IAM's roles, read at request time (config iam.enabled); sts.roles are looked up first. */
  readonly directory?: RoleDirectory;
  /** Rehearsal cap on session lifetime in seconds; undefined: none (AWS). */
  readonly maxSessionSeconds?: number | undefined;
  /** Live sessions issued by this service kept at most; expired ones are pruned first. */
  readonly maxSessions?: number;
}

export interface StsEvents {
  issued: [{ roleArn: string; accessKeyId: string; expiration: string }];
}

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const MIN_DURATION = 900;
const CHAINED_MAX = 3600;
const DEFAULT_DURATION = 3600;
const DEFAULT_MAX_SESSIONS = 100_000;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** Policy variable holding the session name (AWS's aws:userid is "<role id>:<session name>"). */
const USER_ID = 'aws:userid';

export class StsService {
  readonly events = new EventEmitter<StsEvents>();
  private readonly roles = new Map<string, RoleDefinition>();
  private readonly issued = new Map<string, Date>();

  constructor(private readonly options: StsServiceOptions) {
    for (const role of options.roles) this.roles.set(role.roleArn, role);
  }

  /** The ARN of the caller, as GetCallerIdentity and trust policies see it. */
  callerArn(credential: CredentialRecord): string {
    const session = credential.session;
    if (session === undefined) return this.options.localPrincipalArn;
    const m = ROLE_ARN.exec(session.roleArn);
    const sessionName =
      session.variables[USER_ID]?.split(':')[1] ??
      session.variables['credentials-iot:AwsCertificateId'] ??
      'session';
    return m === null
      ? session.roleArn
      : `arn:${m[1] ?? 'aws'}:sts::${m[2] ?? ''}:assumed-role/${m[4] ?? ''}/${sessionName}`;
  }

  getCallerIdentity(credential: CredentialRecord): CallerIdentity {
    const arn = this.callerArn(credential);
    const session = credential.session;
    const userId =
      session === undefined
        ? credential.accessKeyId
        : (session.variables[USER_ID] ?? `${this.role(session.roleArn)?.roleId ?? 'AROA'}:session`);
    return { arn, userId, account: /^arn:[^:]+:[^:]+::(\d{12}):/.exec(arn)?.[1] ?? this.options.account };
  }

  assumeRole(credential: CredentialRecord, input: AssumeRoleInput): AssumedRole {
    const roleArn = required(input.RoleArn, 'RoleArn');
    const sessionName = required(input.RoleSessionName, 'RoleSessionName');
    if (roleArn.length < 20 || roleArn.length > 2048) {
      throw validation('roleArn', roleArn, 'Member must have length between 20 and 2048');
    }
    if (!SESSION_NAME.test(sessionName)) {
      throw validation(
        'roleSessionName',
        sessionName,
        sessionName.length < 2 || sessionName.length > 64
          ? 'Member must have length between 2 and 64'
          : 'Member must satisfy regular expression pattern: [\\w+=,.@-]*',
      );
    }
    const chained = credential.session !== undefined;
    const duration = parseDuration(input.DurationSeconds);
    const callerArn = this.callerArn(credential);
    const role = this.role(roleArn);
    const denied = new StsError(
      'AccessDenied',
      `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );
    // Unknown roles and untrusted callers look the same to the caller, as on AWS.
    if (role === undefined || !role.trusts(callerArn)) throw denied;
    if (chained && !this.options.authorizeSession(credential, 'sts:AssumeRole', roleArn)) throw denied;
    if (duration > role.maxSessionDuration) {
      throw new StsError(
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    }
    if (chained && duration > CHAINED_MAX) {
      throw new StsError(
        'ValidationError',
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      );
    }
    const cap = this.options.maxSessionSeconds;
    const lifetime = cap === undefined ? duration : Math.min(duration, cap);
    const now = this.options.clock.now();
    // Whole seconds, as STS's Expiration has no fraction.
    const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + lifetime * 1000);
    const assumedRoleId = `${role.roleId}:${sessionName}`;
    const record: CredentialRecord = {
      accessKeyId: `ASIA${this.base32(16)}`,
      secretAccessKey: Buffer.from(this.options.random(30)).toString('base64'),
      sessionToken: Buffer.from(this.options.random(96)).toString('base64'),
      expiresAt,
      session: { roleArn, variables: { [USER_ID]: assumedRoleId } },
    };
    this.admit(record.accessKeyId, expiresAt);
    this.options.store.add(record);
    const expiration = expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
    this.events.emit('issued', { roleArn, accessKeyId: record.accessKeyId, expiration });
    return {
      assumedRoleUser: {
        arn: `arn:${role.partition}:sts::${role.account}:assumed-role/${role.name}/${sessionName}`,
        assumedRoleId,
      },
      credentials: {
        accessKeyId: record.accessKeyId,
        secretAccessKey: record.secretAccessKey,
        sessionToken: record.sessionToken ?? '',
        expiration,
      },
    };
  }

  private role(roleArn: string): AssumableRole | undefined {
    const configured = this.roles.get(roleArn);
    if (configured !== undefined) return { ...configured, trusts: (caller) => trusts(configured, caller) };
    const record = this.options.directory?.role(roleArn);
    if (record === undefined) return undefined;
    return {
      partition: record.partition,
      account: record.account,
      name: record.name,
      roleId: record.roleId,
      maxSessionDuration: record.maxSessionDuration,
      trusts: (caller) => roleTrusts(record, { kind: 'aws', arn: caller }),
    };
  }

  /** Keeps this service's live sessions bounded; expired ones leave the shared store. */
  private admit(accessKeyId: string, expiresAt: Date): void {
    const now = this.options.clock.now().getTime();
    const max = this.options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    if (this.issued.size >= max) {
      for (const [id, at] of this.issued) {
        if (at.getTime() <= now) {
          this.issued.delete(id);
          this.options.store.remove(id);
        }
      }
      if (this.issued.size >= max) {
        throw new StsError('InternalFailure', 'too many live sessions; try again later');
      }
    }
    this.issued.set(accessKeyId, expiresAt);
  }

  private base32(length: number): string {
    let out = '';
    for (const b of this.options.random(length)) out += BASE32[b % 32];
    return out;
  }
}

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '') {
    throw new StsError('MissingParameter', `The request must contain the parameter ${name}`);
  }
  return value;
}

function validation(field: string, value: string, constraint: string): StsError {
  return new StsError(
    'ValidationError',
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

function parseDuration(text: string | undefined): number {
  if (text === undefined) return DEFAULT_DURATION;
  const value = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(value)) {
    throw new StsError('ValidationError', `Value '${text}' for parameter DurationSeconds is invalid.`);
  }
  if (value < MIN_DURATION) {
    throw validation(
      'durationSeconds',
      text,
      `Member must have value greater than or equal to ${MIN_DURATION}`,
    );
  }
  if (value > 43_200) {
    throw validation('durationSeconds', text, 'Member must have value less than or equal to 43200');
  }
  return value;
}
