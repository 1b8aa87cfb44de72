/**
 * Rule definitions and their compilation when the engine loads (AWS IoT API Reference, "TopicRule" and
 * "TopicRulePayload": ruleName ^[a-zA-Z0-9_]+$ of 1-128 characters, at most 10 actions, errorAction,
 * ruleDisabled; "Republish action" and "SQS action" for the two supported actions). Every check that can
 * be made before a message arrives is made here, and each error names the rule.
 */
import { z } from 'zod';
import { CamlinkError, isCamlinkError } from '../../errors/camlink-error.js';
import type { Statement } from './ast.js';
import { templateMayMatchFilter } from './loop-check.js';
import { compileSql } from './parser.js';
import { compileTemplate, type Template } from './substitution.js';

/** roleArn: the IAM role AWS assumes to run the action (checked when the platform has IAM roles). */
export type RuleAction =
  | { republish: { topic: string; qos?: 0 | 1; roleArn?: string } }
  | { sqs: { queueUrl: string; useBase64?: boolean; roleArn?: string } };

export interface RuleDefinition {
  name: string;
  sql: string;
  actions: RuleAction[];
  errorAction?: RuleAction;
  /** Default true (AWS: ruleDisabled default false). A disabled rule is still compiled and checked. */
  enabled?: boolean;
}

export type CompiledAction =
  | { readonly kind: 'republish'; readonly topic: Template; readonly qos: 0 | 1; readonly roleArn?: string }
  | {
      readonly kind: 'sqs';
      readonly queueUrl: Template;
      readonly useBase64: boolean;
      readonly roleArn?: string;
    };

export interface CompiledRule {
  readonly name: string;
  readonly enabled: boolean;
  readonly statement: Statement;
  readonly actions: readonly CompiledAction[];
  readonly errorAction: CompiledAction | undefined;
}

export const RULE_NAME_MAX_LENGTH = 128;
export const RULE_ACTIONS_MAX = 10;

const actionSchema = z.union([
  z.strictObject({
    republish: z.strictObject({
      topic: z.string().min(1),
      qos: z.union([z.literal(0), z.literal(1)]).optional(),
      roleArn: z.string().min(1).optional(),
    }),
  }),
  z.strictObject({
    sqs: z.strictObject({
      queueUrl: z.string().min(1),
      useBase64: z.boolean().optional(),
      roleArn: z.string().min(1).optional(),
    }),
  }),
]);

const ruleSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(RULE_NAME_MAX_LENGTH)
    .regex(/^[a-zA-Z0-9_]+$/u, 'must match ^[a-zA-Z0-9_]+$'),
  sql: z.string(),
  actions: z.array(actionSchema).max(RULE_ACTIONS_MAX),
  errorAction: actionSchema.optional(),
  enabled: z.boolean().optional(),
});

function ruleError(name: string, message: string): CamlinkError {
  return new CamlinkError('RULE_INVALID', `rule "${name}": ${message}`);
}

/** Re-throws a compile error with the rule (and the action field) in front of its message. */
function inRule<T>(name: string, where: string, compile: () => T): T {
  try {
    return compile();
  } catch (err) {
    if (!isCamlinkError(err)) throw err;
    throw new CamlinkError(err.code, `rule "${name}": ${where}: ${err.message}`, {
      cause: err,
      ...(err.details === undefined ? {} : { details: { ...err.details } }),
    });
  }
}

function compileAction(name: string, where: string, action: RuleAction, from: string): CompiledAction {
  if ('sqs' in action) {
    const queueUrl = inRule(name, `${where}.sqs.queueUrl`, () => compileTemplate(action.sqs.queueUrl));
    const { roleArn } = action.sqs;
    return {
      kind: 'sqs',
      queueUrl,
      useBase64: action.sqs.useBase64 ?? false,
      ...(roleArn ? { roleArn } : {}),
    };
  }
  const field = `${where}.republish.topic`;
  const topic = inRule(name, field, () => compileTemplate(action.republish.topic));
  const head = topic.parts[0];
  if (head?.kind === 'text' && head.text.startsWith('$')) {
    throw ruleError(
      name,
      `${field}: "${action.republish.topic}" is a reserved $ topic; republishing there is refused`,
    );
  }
  if (templateMayMatchFilter(topic, from)) {
    throw ruleError(
      name,
      `${field}: "${action.republish.topic}" can match the rule's own FROM filter '${from}'; the rule would trigger itself`,
    );
  }
  const { roleArn } = action.republish;
  return { kind: 'republish', topic, qos: action.republish.qos ?? 0, ...(roleArn ? { roleArn } : {}) };
}

/** Validates and compiles one definition; throws RULE_INVALID or RULE_SQL_INVALID naming the rule. */
export function compileRule(definition: RuleDefinition): CompiledRule {
  const parsed = ruleSchema.safeParse(definition);
  if (!parsed.success) {
    const given: unknown =
      typeof definition === 'object' && definition !== null ? definition.name : undefined;
    const name = typeof given === 'string' ? given.slice(0, 140) : '?';
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    throw ruleError(name, `${path === '' ? '(definition)' : path}: ${issue?.message ?? 'invalid'}`);
  }
  const rule: RuleDefinition = parsed.data;
  const statement = inRule(rule.name, 'sql', () => compileSql(rule.sql));
  const actions = rule.actions.map((action, i) =>
    compileAction(rule.name, `actions[${i}]`, action, statement.from),
  );
  const errorAction =
    rule.errorAction === undefined
      ? undefined
      : compileAction(rule.name, 'errorAction', rule.errorAction, statement.from);
  return { name: rule.name, enabled: rule.enabled ?? true, statement, actions, errorAction };
}
