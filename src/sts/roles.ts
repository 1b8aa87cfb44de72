/**
 * The roles the embedded STS can hand out, as definitions (what IAM would hold): the role ARN, the
 * principals its trust policy names, its permission policies and its maximum session duration
 * (IAM: 3600..43200 s, default 3600). The lead feeds the backend role from the CDK app; tests define one.
 */
import { CamlinkError } from '../errors/camlink-error.js';
import { parsePolicyDocument, type PolicyDocument } from '../iot/policy/document.js';

export interface RoleDefinitionInput {
  readonly roleArn: string;
  /**
   * ARNs the trust policy's `Principal.AWS` names: an IAM user or role ARN, or the account root
   * `arn:<partition>:iam::<account>:root` (any principal of that account).
   */
  readonly trustedPrincipals: readonly string[];
  /** The role's permission policies, IAM JSON (objects or text). */
  readonly policies: readonly (string | Readonly<Record<string, unknown>>)[];
  readonly maxSessionDuration?: number;
}

export interface RoleDefinition {
  readonly roleArn: string;
  readonly partition: 'aws' | 'aws-cn';
  readonly account: string;
  /** The role's name (last path segment). */
  readonly name: string;
  /** A stable role id like AWS's "AROA...", derived from the ARN. */
  readonly roleId: string;
  readonly trustedPrincipals: readonly string[];
  readonly policies: readonly PolicyDocument[];
  readonly maxSessionDuration: number;
}

export const ROLE_ARN = /^arn:(aws|aws-cn):iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;
const PRINCIPAL_ARN =
  /^arn:(aws|aws-cn):(iam::\d{12}:(root|user\/[\w+=,.@/-]{1,512}|role\/[\w+=,.@/-]{1,512})|sts::\d{12}:assumed-role\/[\w+=,.@-]{1,64}\/[\w+=,.@-]{2,64})$/;
/** The services a role's permission policy may name here (what the embedded platform can enforce). */
export const ROLE_POLICY_SERVICES = ['s3', 'sqs', 'kinesisvideo', 'sts', 'iot'] as const;
export const DEFAULT_MAX_SESSION_SECONDS = 3600;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function invalid(message: string): CamlinkError {
  return new CamlinkError('STS_ROLES_INVALID', message);
}

function roleIdOf(roleArn: string): string {
  let h = 2166136261;
  let id = 'AROA';
  for (let i = 0; id.length < 21; i++) {
    h = Math.imul(h ^ (roleArn.charCodeAt(i % roleArn.length) + i), 16777619) >>> 0;
    id += BASE32[h % 32];
  }
  return id;
}

export function defineRole(input: RoleDefinitionInput): RoleDefinition {
  const m = ROLE_ARN.exec(input.roleArn);
  if (m === null || input.roleArn.length > 2048) throw invalid(`"${input.roleArn}" is not an IAM role ARN`);
  const [, partition, account, , name] = m;
  const maxSessionDuration = input.maxSessionDuration ?? DEFAULT_MAX_SESSION_SECONDS;
  if (!Number.isInteger(maxSessionDuration) || maxSessionDuration < 3600 || maxSessionDuration > 43_200) {
    throw invalid(`role ${input.roleArn}: maxSessionDuration must be 3600..43200 seconds (IAM)`);
  }
  if (input.trustedPrincipals.length === 0 || input.trustedPrincipals.length > 100) {
    throw invalid(`role ${input.roleArn}: name 1-100 trusted principals`);
  }
  for (const p of input.trustedPrincipals) {
    if (!PRINCIPAL_ARN.test(p)) throw invalid(`role ${input.roleArn}: "${p}" is not a principal ARN`);
  }
  if (input.policies.length === 0 || input.policies.length > 20) {
    throw invalid(`role ${input.roleArn}: give 1-20 permission policies`);
  }
  const policies = input.policies.map((doc, i) =>
    parsePolicyDocument(
      `${name ?? 'role'}-${i + 1}`,
      typeof doc === 'string' ? doc : JSON.stringify(doc),
      ROLE_POLICY_SERVICES,
    ),
  );
  return {
    roleArn: input.roleArn,
    partition: partition === 'aws-cn' ? 'aws-cn' : 'aws',
    account: account ?? '',
    name: name ?? '',
    roleId: roleIdOf(input.roleArn),
    trustedPrincipals: [...input.trustedPrincipals],
    policies,
    maxSessionDuration,
  };
}

/**
 * True when the role's trust policy lets `callerArn` assume it: the ARN is named, or the account root
 * of the caller's account is named, or the caller is a session of a role that is named.
 */
export function trusts(role: RoleDefinition, callerArn: string): boolean {
  if (role.trustedPrincipals.includes(callerArn)) return true;
  const m = /^arn:(aws|aws-cn):(iam|sts)::(\d{12}):(.*)$/.exec(callerArn);
  if (m === null) return false;
  const [, partition, , account, rest] = m;
  if (role.trustedPrincipals.includes(`arn:${partition}:iam::${account}:root`)) return true;
  const session = /^assumed-role\/([^/]+)\//.exec(rest ?? '');
  return (
    session !== null &&
    role.trustedPrincipals.some(
      (p) => p.startsWith(`arn:${partition}:iam::${account}:role/`) && p.endsWith(`/${session[1]}`),
    )
  );
}
