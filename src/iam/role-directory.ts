/**
 * What the other services read of IAM at request time: a role by ARN with its trust policy and its
 * permission policies (inline and attached AWS-managed ones, as JSON text). STS (AssumeRole), the IoT
 * credentials provider, JITP and the topic rules' actions resolve their roles through it.
 */
import type { CredentialRecord } from '../auth/credentials.js';
import { PolicySet, type ServiceAction } from '../iot/policy/evaluate.js';
import { enforceablePolicy } from './permissions.js';
import { trustAllows, type TrustCaller, type TrustContext } from './trust.js';

export interface RoleRecord {
  readonly arn: string;
  readonly name: string;
  readonly path: string;
  /** AROA... */
  readonly roleId: string;
  readonly partition: 'aws' | 'aws-cn';
  readonly account: string;
  readonly maxSessionDuration: number;
  /** The AssumeRolePolicyDocument, JSON. */
  readonly trustPolicy: string;
  /** Inline policies and the documents of attached managed policies, JSON. */
  readonly permissionPolicies: readonly { readonly name: string; readonly document: string }[];
}

export interface RoleDirectory {
  /** The role an ARN names exactly (path included), or undefined. */
  role(arn: string): RoleRecord | undefined;
}

/** Does the role's trust policy let `caller` assume it (with the calling service's context)? */
export function roleTrusts(role: RoleRecord, caller: TrustCaller, context: TrustContext = {}): boolean {
  return trustAllows(role.trustPolicy, caller, context);
}

/** The role's permission policies compiled for the evaluator. */
export function rolePolicySet(role: RoleRecord): PolicySet {
  return new PolicySet(role.permissionPolicies.map((p) => enforceablePolicy(p.name, p.document)));
}

/**
 * Does the role's permission policy allow `action` on `resourceArn`? (e.g. a topic rule's SQS action:
 * `roleAllows(role, 'sqs:SendMessage', queueArn)`). Session variables are those of `variables`.
 */
export function roleAllows(
  role: RoleRecord,
  action: ServiceAction,
  resourceArn: string,
  variables: Readonly<Record<string, string>> = {},
): boolean {
  return rolePolicySet(role).bind({ clientId: '', variables }).authorize(action, resourceArn);
}

/** A session credential's permissions when its role lives in IAM (undefined: not an IAM role). */
export function authorizeIamSession(
  directory: RoleDirectory,
  credential: CredentialRecord,
  action: ServiceAction,
  resourceArn: string,
): boolean | undefined {
  const session = credential.session;
  if (session === undefined) return undefined;
  const role = directory.role(session.roleArn);
  if (role === undefined) return undefined;
  return roleAllows(role, action, resourceArn, session.variables);
}
