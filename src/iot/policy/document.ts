/**
 * AWS IoT Core policy documents (developer guide: iot-policies, iot-policy-actions, iot-action-resources):
 * Version 2012-10-17, Statement[] with Effect Allow|Deny, Action(s), Resource(s) and an optional
 * Condition. Parsing is strict: unknown keys, NotAction/NotResource, unsupported condition operators and
 * documents over AWS's 2,048 non-whitespace characters are refused with POLICY_INVALID.
 */
import { z } from 'zod';
import { CamlinkError } from '../../errors/camlink-error.js';

export const POLICY_MAX_CHARS = 2048;
export const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;

export const conditionOperators = [
  'Bool',
  'StringEquals',
  'StringNotEquals',
  'StringLike',
  'StringNotLike',
  'StringEqualsIgnoreCase',
] as const;
export type ConditionOperator = (typeof conditionOperators)[number];

const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const conditionValues = z.union([
  z.string(),
  z.boolean(),
  z.array(z.union([z.string(), z.boolean()])).min(1),
]);

const statementSchema = z.strictObject({
  Sid: z.string().max(128).optional(),
  Effect: z.enum(['Allow', 'Deny']),
  Action: stringOrList,
  Resource: stringOrList,
  Condition: z.partialRecord(z.enum(conditionOperators), z.record(z.string(), conditionValues)).optional(),
});

const documentSchema = z.strictObject({
  Version: z.literal('2012-10-17'),
  Statement: z.union([statementSchema, z.array(statementSchema).min(1)]),
});

export type PolicyStatement = z.infer<typeof statementSchema>;
export interface PolicyDocument {
  readonly name: string;
  readonly statements: readonly PolicyStatement[];
}

/**
 * Parses and checks a policy. IoT policies name iot: actions only; an IAM permission policy (an assumed
 * role's, see src/auth/role-policy.ts) passes the services it may name.
 */
export function parsePolicyDocument(
  name: string,
  text: string,
  services: readonly string[] = ['iot'],
): PolicyDocument {
  const action = new RegExp(`^(${services.join('|')}):[A-Za-z*?]+$`, 'i');
  if (!POLICY_NAME.test(name)) {
    throw new CamlinkError(
      'POLICY_INVALID',
      `policy name "${name}" must be 1-128 of A-Z a-z 0-9 _ + = , . @ -`,
    );
  }
  const size = text.replace(/\s/g, '').length;
  if (size > POLICY_MAX_CHARS) {
    throw new CamlinkError(
      'POLICY_INVALID',
      `policy ${name} is ${size} characters without whitespace; the limit is ${POLICY_MAX_CHARS}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CamlinkError(
      'POLICY_INVALID',
      `policy ${name} is not JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const parsed = documentSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue
      ? [...issue.path, ...(issue.code === 'unrecognized_keys' ? issue.keys : [])].join('.')
      : '';
    throw new CamlinkError(
      'POLICY_INVALID',
      `policy ${name}: ${where ? `${where}: ` : ''}${issue?.message ?? 'invalid'}`,
    );
  }
  const statements = Array.isArray(parsed.data.Statement) ? parsed.data.Statement : [parsed.data.Statement];
  for (const statement of statements) {
    for (const a of asList(statement.Action)) {
      if (a !== '*' && !action.test(a)) {
        throw new CamlinkError(
          'POLICY_INVALID',
          `policy ${name}: action "${a}" is not an action of ${services.map((x) => `${x}:`).join(', ')}`,
        );
      }
    }
    for (const resource of asList(statement.Resource)) {
      if (resource !== '*' && !resource.startsWith('arn:')) {
        throw new CamlinkError('POLICY_INVALID', `policy ${name}: resource "${resource}" is not an ARN or *`);
      }
    }
  }
  return { name, statements };
}

export function asList<T>(value: T | readonly T[]): readonly T[] {
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}
