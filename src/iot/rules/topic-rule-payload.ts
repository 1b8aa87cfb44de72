/**
 * The AWS IoT API's TopicRulePayload (CreateTopicRule, ReplaceTopicRule; API Reference
 * "TopicRulePayload", "Action", "SqsAction", "RepublishAction") and its translation into the engine's
 * RuleDefinition. Only the actions the engine runs are accepted: any other action type is refused with
 * InvalidRequestException, never stored. SQL the engine cannot parse is SqlParseException.
 */
import { z } from 'zod';
import { isCamlinkError } from '../../errors/camlink-error.js';
import { IotApiError } from '../registry/errors.js';
import { compileRule } from './definition.js';
import type { RuleAction, RuleDefinition } from './definition.js';

/** The only SQL version the engine implements (docs/rules.md). */
export const RULE_SQL_VERSION = '2016-03-23';
/** AWS: description at most 2028 characters. */
const DESCRIPTION_MAX = 2028;
export const SUPPORTED_ACTIONS = ['sqs', 'republish'] as const;

const sqsAction = z.strictObject({
  roleArn: z.string().min(1),
  queueUrl: z.string().min(1),
  useBase64: z.boolean().optional(),
});
const republishAction = z.strictObject({
  roleArn: z.string().min(1),
  topic: z.string().min(1),
  qos: z.union([z.literal(0), z.literal(1)]).optional(),
});
const apiAction = z.record(z.string(), z.unknown());

export const topicRulePayloadSchema = z.strictObject({
  sql: z.string(),
  description: z.string().max(DESCRIPTION_MAX).optional(),
  actions: z.array(apiAction),
  ruleDisabled: z.boolean().optional(),
  awsIotSqlVersion: z.string().optional(),
  errorAction: apiAction.optional(),
});

/** What is stored and returned by GetTopicRule (the API shapes, with only supported actions). */
export interface TopicRulePayload {
  sql: string;
  description?: string;
  actions: ApiAction[];
  ruleDisabled?: boolean;
  awsIotSqlVersion?: string;
  errorAction?: ApiAction;
}
export type ApiAction =
  | { sqs: { roleArn?: string; queueUrl: string; useBase64?: boolean } }
  | { republish: { roleArn?: string; topic: string; qos?: 0 | 1 } };

function invalid(message: string): IotApiError {
  return new IotApiError('InvalidRequestException', message);
}

function parseAction(where: string, value: Record<string, unknown>): ApiAction {
  const keys = Object.keys(value);
  if (keys.length !== 1)
    throw invalid(`${where}: an action names exactly one action type (got ${keys.length})`);
  const type = keys[0] ?? '';
  const params = value[type];
  const check = <T>(schema: z.ZodType<T>): T => {
    const parsed = schema.safeParse(params);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw invalid(`${where}.${type}.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  };
  if (type === 'sqs') return { sqs: check(sqsAction) };
  if (type === 'republish') return { republish: check(republishAction) };
  throw invalid(
    `${where}: the ${type} action is not supported here (this rules engine runs ${SUPPORTED_ACTIONS.join(', ')})`,
  );
}

/** Validates an API body into the stored payload (no engine check yet: see checkTopicRule). */
export function parseTopicRulePayload(value: unknown): TopicRulePayload {
  const parsed = topicRulePayloadSchema.safeParse(value ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(`topicRulePayload.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const p = parsed.data;
  if (p.awsIotSqlVersion !== RULE_SQL_VERSION) {
    throw invalid(
      `awsIotSqlVersion ${p.awsIotSqlVersion ?? '(unset, 2015-10-08 on AWS)'} is not implemented here; use ${RULE_SQL_VERSION}`,
    );
  }
  return {
    sql: p.sql,
    ...(p.description === undefined ? {} : { description: p.description }),
    actions: p.actions.map((action, i) => parseAction(`actions[${i}]`, action)),
    ruleDisabled: p.ruleDisabled ?? false,
    awsIotSqlVersion: p.awsIotSqlVersion,
    ...(p.errorAction === undefined ? {} : { errorAction: parseAction('errorAction', p.errorAction) }),
  };
}

function engineAction(action: ApiAction): RuleAction {
  if ('sqs' in action) {
    const { queueUrl, useBase64, roleArn } = action.sqs;
    return {
      sqs: { queueUrl, ...(useBase64 === undefined ? {} : { useBase64 }), ...(roleArn ? { roleArn } : {}) },
    };
  }
  const { topic, qos, roleArn } = action.republish;
  return { republish: { topic, ...(qos === undefined ? {} : { qos }), ...(roleArn ? { roleArn } : {}) } };
}

export function toRuleDefinition(name: string, payload: TopicRulePayload): RuleDefinition {
  return {
    name,
    sql: payload.sql,
    actions: payload.actions.map(engineAction),
    ...(payload.errorAction === undefined ? {} : { errorAction: engineAction(payload.errorAction) }),
    enabled: payload.ruleDisabled !== true,
  };
}

/**
 * Compiles the rule as the engine will: returns its FROM topic filter (ListTopicRules' topicPattern);
 * throws SqlParseException for SQL and InvalidRequestException for any other problem.
 */
export function checkTopicRule(name: string, payload: TopicRulePayload): string {
  try {
    return compileRule(toRuleDefinition(name, payload)).statement.from;
  } catch (err) {
    if (!isCamlinkError(err)) throw err;
    // A bad substitution template in an action is RULE_SQL_INVALID too, but AWS calls it a bad request.
    const inSql = err.code === 'RULE_SQL_INVALID' && err.message.startsWith(`rule "${name}": sql:`);
    throw new IotApiError(inSql ? 'SqlParseException' : 'InvalidRequestException', err.message);
  }
}
