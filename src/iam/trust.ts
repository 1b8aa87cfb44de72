/**
 * Evaluates a role's trust policy (its AssumeRolePolicyDocument) for one caller: an AWS principal (a
 * user, a role session, the account) or a service principal (iot.amazonaws.com for JITP and topic
 * rules, credentials.iot.amazonaws.com for the IoT credentials provider). Explicit Deny wins; no
 * matching Allow means no. What cannot be evaluated here (NotPrincipal, NotAction, Federated
 * principals, condition keys other than those below, unknown operators) never grants: an Allow
 * statement with it does not match, a Deny statement with it matches.
 *
 * Condition keys: aws:SourceAccount, aws:SourceArn (given by the calling service), aws:PrincipalArn,
 * aws:PrincipalAccount, aws:PrincipalType (AWS principals).
 */
import { asArray, parseIamPolicy, type IamStatement } from './policy-grammar.js';

export type TrustCaller =
  { readonly kind: 'aws'; readonly arn: string } | { readonly kind: 'service'; readonly service: string };

export interface TrustContext {
  readonly 'aws:SourceAccount'?: string;
  readonly 'aws:SourceArn'?: string;
}

type Match = boolean | 'unknown';

const EVALUABLE_KEYS = new Set([
  'aws:sourceaccount',
  'aws:sourcearn',
  'aws:principalarn',
  'aws:principalaccount',
  'aws:principaltype',
]);

function glob(pattern: string, value: string, ignoreCase = false): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, ignoreCase ? 'is' : 's').test(value);
}

/** The account and the role (name) or user a caller ARN stands for. */
function parseCaller(arn: string): { partition: string; account: string; roleName?: string } | undefined {
  const m = /^arn:(aws|aws-cn):(iam|sts)::(\d{12}):(.*)$/.exec(arn);
  if (m === null) return undefined;
  const session = /^assumed-role\/([^/]+)\//.exec(m[4] ?? '');
  return {
    partition: m[1] ?? 'aws',
    account: m[3] ?? '',
    ...(session?.[1] === undefined ? {} : { roleName: session[1] }),
  };
}

function awsPrincipalMatches(value: string, callerArn: string): boolean {
  if (value === '*' || value === callerArn) return true;
  const caller = parseCaller(callerArn);
  if (caller === undefined) return false;
  if (value === caller.account || value === `arn:${caller.partition}:iam::${caller.account}:root`)
    return true;
  const role = /^arn:(aws|aws-cn):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(value);
  return (
    role !== null &&
    caller.roleName !== undefined &&
    role[1] === caller.partition &&
    role[2] === caller.account &&
    role[3] === caller.roleName
  );
}

function principalMatches(statement: IamStatement, caller: TrustCaller): Match {
  if (statement.NotPrincipal !== undefined) return 'unknown';
  const principal = statement.Principal;
  if (principal === undefined) return false;
  if (principal === '*') return true;
  let unknown = false;
  for (const [key, values] of Object.entries(principal)) {
    for (const value of asArray(values)) {
      if (key === 'AWS' && caller.kind === 'aws' && awsPrincipalMatches(value, caller.arn)) return true;
      if (key === 'Service' && caller.kind === 'service' && value === caller.service) return true;
      if (key === 'AWS' && caller.kind === 'service' && value === '*') return true;
      if (key !== 'AWS' && key !== 'Service') unknown = true;
    }
  }
  return unknown ? 'unknown' : false;
}

function contextValues(caller: TrustCaller, context: TrustContext): Map<string, string> {
  const values = new Map<string, string>();
  if (context['aws:SourceAccount'] !== undefined)
    values.set('aws:sourceaccount', context['aws:SourceAccount']);
  if (context['aws:SourceArn'] !== undefined) values.set('aws:sourcearn', context['aws:SourceArn']);
  if (caller.kind === 'aws') {
    const parsed = parseCaller(caller.arn);
    values.set('aws:principalarn', caller.arn);
    if (parsed !== undefined) values.set('aws:principalaccount', parsed.account);
    values.set('aws:principaltype', parsed?.roleName === undefined ? 'User' : 'AssumedRole');
  }
  return values;
}

function conditionHolds(statement: IamStatement, values: Map<string, string>): Match {
  for (const [rawOperator, block] of Object.entries(statement.Condition ?? {})) {
    const ifExists = rawOperator.endsWith('IfExists');
    const operator = ifExists ? rawOperator.slice(0, -'IfExists'.length) : rawOperator;
    if (operator.includes(':')) return 'unknown'; // ForAnyValue:/ForAllValues: (multivalued keys)
    for (const [rawKey, expected] of Object.entries(block)) {
      const key = rawKey.toLowerCase();
      if (!EVALUABLE_KEYS.has(key)) return 'unknown';
      const patterns = asArray(expected).map(String);
      const actual = values.get(key);
      const negated = /^(StringNot|ArnNot)/.test(operator);
      if (actual === undefined) {
        if (ifExists || negated) continue;
        return false;
      }
      let any: boolean;
      switch (operator) {
        case 'StringEquals':
        case 'StringNotEquals':
        case 'ArnEquals':
        case 'ArnNotEquals':
          any = patterns.some((p) => (operator.startsWith('Arn') ? glob(p, actual) : p === actual));
          break;
        case 'StringEqualsIgnoreCase':
        case 'StringNotEqualsIgnoreCase':
          any = patterns.some((p) => p.toLowerCase() === actual.toLowerCase());
          break;
        case 'StringLike':
        case 'StringNotLike':
        case 'ArnLike':
        case 'ArnNotLike':
          any = patterns.some((p) => glob(p, actual));
          break;
        default:
          return 'unknown';
      }
      if (negated ? any : !any) return false;
    }
  }
  return true;
}

function actionMatches(statement: IamStatement, action: string): Match {
  if (statement.NotAction !== undefined) return 'unknown';
  return asArray(statement.Action).some((a) => glob(a, action, true));
}

function and(...parts: Match[]): Match {
  if (parts.includes(false)) return false;
  return parts.includes('unknown') ? 'unknown' : true;
}

/**
 * True when the trust policy lets `caller` do `action` (sts:AssumeRole) on the role. A document that
 * does not parse trusts no one.
 */
export function trustAllows(
  trustPolicy: string,
  caller: TrustCaller,
  context: TrustContext = {},
  action = 'sts:AssumeRole',
): boolean {
  let statements: readonly IamStatement[];
  try {
    statements = parseIamPolicy(trustPolicy, 'trust').Statement;
  } catch {
    return false;
  }
  const values = contextValues(caller, context);
  let allowed = false;
  for (const s of statements) {
    const m = and(actionMatches(s, action), principalMatches(s, caller), conditionHolds(s, values));
    if (s.Effect === 'Deny' && m !== false) return false;
    if (s.Effect === 'Allow' && m === true) allowed = true;
  }
  return allowed;
}
