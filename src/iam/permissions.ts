/**
 * A role's IAM permission policies as the embedded services enforce them: the statements are turned
 * into the policy evaluator's documents (src/iot/policy, also used for STS's configured roles). What
 * the evaluator cannot hold is never turned into a grant: an Allow statement with NotAction,
 * NotResource, an unsupported condition operator, or only actions of services the platform does not
 * run is dropped; a Deny statement with any of these becomes a Deny of everything.
 */
import { conditionOperators, type PolicyDocument, type PolicyStatement } from '../iot/policy/document.js';
import { asArray, parseIamPolicy, type IamStatement } from './policy-grammar.js';

/** Services a role's permission policy is enforced for here (what the platform runs). */
const ENFORCED = /^(s3|sqs|kinesisvideo|sts|iot):[A-Za-z*?]+$/i;
const OPERATORS = new Set<string>(conditionOperators);
const DENY_ALL: PolicyStatement = { Effect: 'Deny', Action: '*', Resource: '*' };

function convert(s: IamStatement): PolicyStatement | undefined {
  const deny = s.Effect === 'Deny';
  const unsupported =
    s.NotAction !== undefined ||
    s.NotResource !== undefined ||
    Object.keys(s.Condition ?? {}).some((op) => !OPERATORS.has(op));
  if (unsupported) return deny ? DENY_ALL : undefined;
  const actions = asArray(s.Action).filter((a) => a === '*' || ENFORCED.test(a));
  const resources = asArray(s.Resource).filter((r) => r === '*' || r.startsWith('arn:'));
  if (actions.length === 0 || resources.length === 0) return undefined;
  const condition = s.Condition as PolicyStatement['Condition'];
  return {
    Effect: s.Effect,
    Action: [...actions],
    Resource: [...resources],
    ...(condition === undefined ? {} : { Condition: condition }),
  };
}

/** The enforceable form of one stored permission policy (already validated when it was stored). */
export function enforceablePolicy(name: string, text: string): PolicyDocument {
  let statements: readonly IamStatement[];
  try {
    statements = parseIamPolicy(text, 'permission').Statement;
  } catch {
    return { name, statements: [DENY_ALL] };
  }
  return {
    name,
    statements: statements.map(convert).filter((s): s is PolicyStatement => s !== undefined),
  };
}
