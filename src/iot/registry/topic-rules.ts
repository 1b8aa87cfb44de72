/**
 * Topic rules of the AWS IoT API (CreateTopicRule, GetTopicRule, ListTopicRules, ReplaceTopicRule,
 * DeleteTopicRule, EnableTopicRule, DisableTopicRule), stored as their TopicRulePayload. Every change
 * is checked by compiling the rule as the engine will, then announced ('rules-changed') so the running
 * engine swaps its rules at once. As on AWS, a rule that does not exist is UnauthorizedException.
 */
import { RULES_MAX } from '../rules/engine.js';
import { checkTopicRule, toRuleDefinition, type TopicRulePayload } from '../rules/topic-rule-payload.js';
import type { RuleDefinition } from '../rules/definition.js';
import { arnOf, epochSeconds, type RegistryContext } from './context.js';
import { IotApiError } from './errors.js';

/** AWS: ^[a-zA-Z0-9_]+$, 1-128 characters. */
export const TOPIC_RULE_NAME = /^[a-zA-Z0-9_]{1,128}$/;
const LIST_MAX = 10_000;
const LIST_DEFAULT = 1000;

interface TopicRuleRow {
  rule_name: string;
  payload: string;
  topic_pattern: string;
  created_at: number;
}

function checkName(name: string): void {
  if (!TOPIC_RULE_NAME.test(name))
    throw new IotApiError(
      'InvalidRequestException',
      `ruleName "${name}" is not valid (^[a-zA-Z0-9_]{1,128}$)`,
    );
}

function row(ctx: RegistryContext, name: string): TopicRuleRow | undefined {
  return ctx.db.prepare(`SELECT * FROM topic_rules WHERE rule_name = ?`).get(name) as
    TopicRuleRow | undefined;
}

function existing(ctx: RegistryContext, name: string): TopicRuleRow {
  const found = row(ctx, name);
  if (found === undefined) throw new IotApiError('UnauthorizedException', `Access to rule ${name} denied`);
  return found;
}

function payloadOf(r: TopicRuleRow): TopicRulePayload {
  return JSON.parse(r.payload) as TopicRulePayload;
}

export function createTopicRule(ctx: RegistryContext, name: string, payload: TopicRulePayload): void {
  checkName(name);
  const topicPattern = checkTopicRule(name, payload);
  ctx.db.transaction(() => {
    if (row(ctx, name) !== undefined)
      throw new IotApiError('ResourceAlreadyExistsException', `rule ${name} already exists`);
    const count = (ctx.db.prepare(`SELECT count(*) AS n FROM topic_rules`).get() as { n: number }).n;
    if (count >= RULES_MAX)
      throw new IotApiError('LimitExceededException', `at most ${RULES_MAX} topic rules per account`);
    const now = ctx.clock.now().getTime();
    ctx.db
      .prepare(`INSERT INTO topic_rules VALUES (?, ?, ?, ?, ?)`)
      .run(name, JSON.stringify(payload), topicPattern, now, now);
  })();
  ctx.events.emit('rules-changed', name);
}

/** Creates or replaces a rule without the API's checks of roleArn (the built-in upload rule). */
export function putTopicRule(ctx: RegistryContext, name: string, payload: TopicRulePayload): void {
  if (row(ctx, name) === undefined) createTopicRule(ctx, name, payload);
  else replaceTopicRule(ctx, name, payload);
}

export function replaceTopicRule(ctx: RegistryContext, name: string, payload: TopicRulePayload): void {
  existing(ctx, name);
  const topicPattern = checkTopicRule(name, payload);
  ctx.db
    .prepare(`UPDATE topic_rules SET payload = ?, topic_pattern = ?, updated_at = ? WHERE rule_name = ?`)
    .run(JSON.stringify(payload), topicPattern, ctx.clock.now().getTime(), name);
  ctx.events.emit('rules-changed', name);
}

export function setTopicRuleDisabled(ctx: RegistryContext, name: string, disabled: boolean): void {
  const payload = { ...payloadOf(existing(ctx, name)), ruleDisabled: disabled };
  ctx.db
    .prepare(`UPDATE topic_rules SET payload = ?, updated_at = ? WHERE rule_name = ?`)
    .run(JSON.stringify(payload), ctx.clock.now().getTime(), name);
  ctx.events.emit('rules-changed', name);
}

export function deleteTopicRule(ctx: RegistryContext, name: string): void {
  existing(ctx, name);
  ctx.db.prepare(`DELETE FROM topic_rules WHERE rule_name = ?`).run(name);
  ctx.events.emit('rules-changed', name);
}

export function getTopicRule(ctx: RegistryContext, name: string) {
  const r = existing(ctx, name);
  return {
    ruleArn: arnOf(ctx, 'rule', name),
    rule: { ruleName: name, ...payloadOf(r), createdAt: epochSeconds(r.created_at) },
  };
}

export function listTopicRules(
  ctx: RegistryContext,
  input: {
    topic?: string | undefined;
    maxResults?: number | undefined;
    nextToken?: string | undefined;
    ruleDisabled?: boolean | undefined;
  },
) {
  const max = input.maxResults ?? LIST_DEFAULT;
  if (!Number.isInteger(max) || max < 1 || max > LIST_MAX)
    throw new IotApiError('InvalidRequestException', `maxResults must be 1-${LIST_MAX}`);
  const offset = input.nextToken === undefined ? 0 : Number(input.nextToken);
  if (!Number.isInteger(offset) || offset < 0)
    throw new IotApiError('InvalidRequestException', 'nextToken is not valid');
  const rows = (ctx.db.prepare(`SELECT * FROM topic_rules ORDER BY rule_name`).all() as TopicRuleRow[])
    .filter((r) => input.topic === undefined || r.topic_pattern === input.topic)
    .filter(
      (r) => input.ruleDisabled === undefined || (payloadOf(r).ruleDisabled === true) === input.ruleDisabled,
    );
  const page = rows.slice(offset, offset + max);
  return {
    rules: page.map((r) => ({
      ruleArn: arnOf(ctx, 'rule', r.rule_name),
      ruleName: r.rule_name,
      topicPattern: r.topic_pattern,
      createdAt: epochSeconds(r.created_at),
      ruleDisabled: payloadOf(r).ruleDisabled === true,
    })),
    ...(offset + max < rows.length ? { nextToken: String(offset + max) } : {}),
  };
}

/** Every stored rule as the engine runs it. */
export function ruleDefinitions(ctx: RegistryContext): RuleDefinition[] {
  return (ctx.db.prepare(`SELECT * FROM topic_rules ORDER BY rule_name`).all() as TopicRuleRow[]).map((r) =>
    toRuleDefinition(r.rule_name, payloadOf(r)),
  );
}
