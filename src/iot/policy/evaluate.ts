/**
 * Policy evaluation for one connection. All the context (client id, thing, certificate) is fixed when
 * the connection is authenticated, so variables and conditions are resolved once, at compile time; what
 * remains per packet is matching the action and resource ARN against precompiled expressions, with a
 * bounded per-connection cache of decisions. Explicit Deny wins over Allow; no Allow means deny.
 */
import { asList, type ConditionOperator, type PolicyDocument, type PolicyStatement } from './document.js';
import { globToRegExp } from './glob.js';
import { resolveVariable, substitute, type PolicyContext } from './variables.js';

export type IotAction = 'iot:Connect' | 'iot:Publish' | 'iot:Subscribe' | 'iot:Receive' | 'iot:RetainPublish';

interface CompiledStatement {
  readonly actions: readonly RegExp[];
  readonly resources: readonly RegExp[];
}

const DECISION_CACHE_SIZE = 512;

export class CompiledPolicy {
  private readonly allows: readonly CompiledStatement[];
  private readonly denies: readonly CompiledStatement[];
  private readonly cache = new Map<string, boolean>();

  constructor(documents: readonly PolicyDocument[], ctx: PolicyContext) {
    const allows: CompiledStatement[] = [];
    const denies: CompiledStatement[] = [];
    for (const doc of documents) {
      for (const statement of doc.statements) {
        const compiled = compileStatement(statement, ctx);
        if (compiled === undefined) continue;
        (statement.Effect === 'Deny' ? denies : allows).push(compiled);
      }
    }
    this.allows = allows;
    this.denies = denies;
  }

  /** True when some statement allows `action` on `resource` and none denies it. */
  authorize(action: IotAction, resource: string): boolean {
    const key = `${action} ${resource}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const decision =
      !this.denies.some((s) => matches(s, action, resource)) &&
      this.allows.some((s) => matches(s, action, resource));
    if (this.cache.size >= DECISION_CACHE_SIZE) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(key, decision);
    return decision;
  }
}

function matches(statement: CompiledStatement, action: string, resource: string): boolean {
  return statement.actions.some((a) => a.test(action)) && statement.resources.some((r) => r.test(resource));
}

function compileStatement(statement: PolicyStatement, ctx: PolicyContext): CompiledStatement | undefined {
  if (statement.Condition !== undefined && !conditionHolds(statement.Condition, ctx)) return undefined;
  const actions = asList(statement.Action).map((a) => globToRegExp([{ text: a, literal: false }], true));
  const resources: RegExp[] = [];
  for (const resource of asList(statement.Resource)) {
    const parts = substitute(resource, ctx);
    if (parts !== undefined) resources.push(globToRegExp(parts));
  }
  return resources.length === 0 ? undefined : { actions, resources };
}

function conditionHolds(condition: NonNullable<PolicyStatement['Condition']>, ctx: PolicyContext): boolean {
  return Object.entries(condition).every(([operator, keys]) =>
    Object.entries(keys ?? {}).every(([key, expected]) =>
      testCondition(
        operator as ConditionOperator,
        resolveVariable(key, ctx),
        asList(expected).map(String),
        ctx,
      ),
    ),
  );
}

function testCondition(
  operator: ConditionOperator,
  actual: string | undefined,
  expected: readonly string[],
  ctx: PolicyContext,
): boolean {
  const negated = operator === 'StringNotEquals' || operator === 'StringNotLike';
  // IAM semantics: a key missing from the context never matches, so negated operators hold.
  if (actual === undefined) return negated;
  switch (operator) {
    case 'Bool':
      return expected.some((e) => e.toLowerCase() === actual.toLowerCase());
    case 'StringEquals':
      return expected.includes(actual);
    case 'StringNotEquals':
      return !expected.includes(actual);
    case 'StringEqualsIgnoreCase':
      return expected.some((e) => e.toLowerCase() === actual.toLowerCase());
    case 'StringLike':
    case 'StringNotLike': {
      const hit = expected.some((pattern) => {
        const parts = substitute(pattern, ctx);
        return parts !== undefined && globToRegExp(parts).test(actual);
      });
      return operator === 'StringLike' ? hit : !hit;
    }
  }
}
