/**
 * IAM's policy grammar (IAM User Guide "IAM JSON policy elements", "Grammar of the IAM JSON policy
 * language"), checked the way IAM checks a document before storing it; a violation is
 * MalformedPolicyDocument. Two kinds: a permission policy (inline or managed: Action + Resource, no
 * Principal) and a role trust policy (Action sts:AssumeRole*, Principal, no Resource).
 */
import { IamError } from './errors.js';

export type PolicyKind = 'permission' | 'trust';

export interface IamStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: '*' | Readonly<Record<string, string | readonly string[]>>;
  readonly NotPrincipal?: '*' | Readonly<Record<string, string | readonly string[]>>;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<
    Record<string, Readonly<Record<string, string | boolean | readonly (string | boolean)[]>>>
  >;
}

export interface IamPolicy {
  readonly Version?: '2012-10-17' | '2008-10-17';
  readonly Id?: string;
  readonly Statement: readonly IamStatement[];
}

const TOP_KEYS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
const PRINCIPAL_KEYS = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);
/** The actions a role trust policy may name (IAM refuses any other). */
const TRUST_ACTIONS =
  /^sts:(AssumeRole|AssumeRoleWithSAML|AssumeRoleWithWebIdentity|TagSession|SetSourceIdentity|SetContext|\*)$/i;
const ACTION = /^([a-z0-9-]+:[A-Za-z0-9*?]+|\*)$/i;
const SID = /^[A-Za-z0-9]*$/;
const AWS_PRINCIPAL = /^(\*|\d{12}|arn:(aws|aws-cn):(iam::(\d{12}|aws):[^\s]+|sts::\d{12}:[^\s]+))$/;
const SERVICE_PRINCIPAL = /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/;

function malformed(message: string): IamError {
  return new IamError('MalformedPolicyDocument', message);
}

function strings(value: unknown, what: string): readonly string[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0) throw malformed(`${what} must not be empty`);
  return list.map((v) => {
    if (typeof v !== 'string' || v === '') throw malformed(`${what} must be a string or a list of strings`);
    return v;
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkPrincipal(value: unknown, what: string): void {
  if (value === '*') return;
  if (!isObject(value) || Object.keys(value).length === 0)
    throw malformed(`Invalid principal in policy: ${what}`);
  for (const [key, v] of Object.entries(value)) {
    if (!PRINCIPAL_KEYS.has(key)) throw malformed(`Invalid principal in policy: "${key}"`);
    for (const p of strings(v, `${what}.${key}`)) {
      if (key === 'AWS' && !AWS_PRINCIPAL.test(p))
        throw malformed(`Invalid principal in policy: "AWS":"${p}"`);
      if (key === 'Service' && !SERVICE_PRINCIPAL.test(p))
        throw malformed(`Invalid principal in policy: "SERVICE":"${p}"`);
    }
  }
}

function checkCondition(value: unknown): void {
  if (!isObject(value)) throw malformed('Condition must be an object');
  for (const [operator, block] of Object.entries(value)) {
    if (!/^[A-Za-z]+(:[A-Za-z]+)?$/.test(operator)) throw malformed(`Invalid Condition operator ${operator}`);
    if (!isObject(block) || Object.keys(block).length === 0) {
      throw malformed(`Condition ${operator} must map condition keys to values`);
    }
    for (const [key, v] of Object.entries(block)) {
      if (!/^[A-Za-z0-9-]+:[^\s]+$/.test(key)) throw malformed(`Invalid Condition key ${key}`);
      const list = Array.isArray(v) ? (v as unknown[]) : [v];
      if (list.some((x) => typeof x !== 'string' && typeof x !== 'boolean' && typeof x !== 'number')) {
        throw malformed(`Condition ${operator} ${key}: values must be strings`);
      }
    }
  }
}

/** Parses and checks a policy document; throws MalformedPolicyDocument as IAM does. */
export function parseIamPolicy(text: string, kind: PolicyKind): IamPolicy {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw malformed('This policy contains invalid Json');
  }
  if (!isObject(json)) throw malformed('This policy contains invalid Json');
  for (const key of Object.keys(json)) {
    if (!TOP_KEYS.has(key)) throw malformed(`Policy document has an unknown field ${key}`);
  }
  if (json.Version !== undefined && json.Version !== '2012-10-17' && json.Version !== '2008-10-17') {
    throw malformed('The policy must contain a valid version string');
  }
  if (json.Id !== undefined && typeof json.Id !== 'string') throw malformed('Id must be a string');
  const raw = json.Statement;
  if (raw === undefined) throw malformed('Missing required field Statement');
  const list = Array.isArray(raw) ? (raw as unknown[]) : [raw];
  if (list.length === 0) throw malformed('Statement must not be empty');
  const sids = new Set<string>();
  for (const s of list) {
    if (!isObject(s)) throw malformed('Each Statement must be an object');
    for (const key of Object.keys(s)) {
      if (!STATEMENT_KEYS.has(key)) throw malformed(`Statement has an unknown field ${key}`);
    }
    if (s.Sid !== undefined) {
      if (typeof s.Sid !== 'string' || (kind === 'permission' && !SID.test(s.Sid))) {
        throw malformed('Statement IDs (SID) must be alpha-numeric.');
      }
      if (s.Sid !== '' && sids.has(s.Sid))
        throw malformed('Statement IDs (SID) in a single policy must be unique.');
      sids.add(s.Sid);
    }
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw malformed('Missing required field Effect');
    if ((s.Action === undefined) === (s.NotAction === undefined)) {
      throw malformed('Policy statement must contain exactly one of Action or NotAction');
    }
    const actions = strings(s.Action ?? s.NotAction, 'Action');
    for (const a of actions) {
      if (!ACTION.test(a))
        throw malformed('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
    }
    if (s.Condition !== undefined) checkCondition(s.Condition);
    if (kind === 'permission') {
      if (s.Principal !== undefined || s.NotPrincipal !== undefined) {
        throw malformed('Policy document should not specify a principal.');
      }
      if ((s.Resource === undefined) === (s.NotResource === undefined)) {
        throw malformed('Policy statement must contain resources.');
      }
      for (const r of strings(s.Resource ?? s.NotResource, 'Resource')) {
        if (r !== '*' && !/^arn:[^:]*:[^:]*:/.test(r))
          throw malformed(`Resource ${r} must be in ARN format or "*".`);
      }
    } else {
      if (s.Resource !== undefined || s.NotResource !== undefined)
        throw malformed('Has prohibited field Resource');
      if ((s.Principal === undefined) === (s.NotPrincipal === undefined)) {
        throw malformed('AssumeRolepolicy contained an invalid principal: a statement needs a Principal');
      }
      checkPrincipal(s.Principal ?? s.NotPrincipal, 'Principal');
      if (s.Action !== undefined) {
        for (const a of actions) {
          if (!TRUST_ACTIONS.test(a))
            throw malformed(`Trust policy action ${a} is not an STS assume-role action`);
        }
      }
    }
  }
  return { ...(json as unknown as IamPolicy), Statement: list as IamStatement[] };
}

/** IAM counts policy size without whitespace. */
export function policySize(text: string): number {
  return text.replace(/\s/g, '').length;
}

export function asArray<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}
