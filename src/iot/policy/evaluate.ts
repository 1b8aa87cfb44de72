/**
 * Policy evaluation. A `PolicySet` compiles the documents once (shared by every connection that has
 * them); a `ConnectionPolicy` binds it to one connection's context: which statements' conditions hold
 * and the values of the policy variables, resolved once at connect. Per packet what remains is matching
 * the action and the resource ARN against the shared token lists, with a small per-connection cache of
 * decisions. Explicit Deny wins over Allow; no Allow means deny.
 */
import { asList, type ConditionOperator, type PolicyDocument, type PolicyStatement } from './document.js';
import { compileGlob, matchGlob, variablesOf, type GlobToken } from './glob.js';
import { resolveVariable, type PolicyContext } from './variables.js';

export type IotAction =
  | 'iot:Connect'
  | 'iot:Publish'
  | 'iot:Subscribe'
  | 'iot:Receive'
  | 'iot:RetainPublish'
  | 'iot:AssumeRoleWithCertificate';

/** Actions an assumed role's permission policy (IAM) is evaluated for. */
export type ServiceAction = `${'kinesisvideo' | 's3' | 'sqs' | 'sts' | 'iot'}:${string}`;

interface CompiledStatement {
  readonly deny: boolean;
  readonly actions: readonly GlobToken[][];
  readonly resources: readonly GlobToken[][];
  readonly condition: PolicyStatement['Condition'];
}

const DECISION_CACHE_SIZE = 32;
const NO_VALUE = (): string => '';

/** Compiled documents, built once and shared by every connection that has these policies. */
export class PolicySet {
  readonly statements: readonly CompiledStatement[];
  /** Every variable the resources use. */
  readonly variables: readonly string[];

  constructor(readonly documents: readonly PolicyDocument[]) {
    const statements: CompiledStatement[] = [];
    const variables = new Set<string>();
    for (const doc of documents) {
      for (const s of doc.statements) {
        const resources = asList(s.Resource).map((r) => compileGlob(r));
        for (const tokens of resources) for (const name of variablesOf(tokens)) variables.add(name);
        statements.push({
          deny: s.Effect === 'Deny',
          actions: asList(s.Action).map((a) => compileGlob(a, false)),
          resources,
          condition: s.Condition,
        });
      }
    }
    this.statements = statements;
    this.variables = [...variables];
  }

  bind(ctx: PolicyContext): ConnectionPolicy {
    return new ConnectionPolicy(this, ctx);
  }
}

/** One connection's view of a PolicySet. */
export class ConnectionPolicy {
  private readonly active: readonly boolean[];
  private readonly values: ReadonlyMap<string, string>;
  private cache: Map<string, boolean> | undefined;

  constructor(
    private readonly set: PolicySet,
    ctx: PolicyContext,
  ) {
    const values = new Map<string, string>();
    for (const name of set.variables) {
      const value = resolveVariable(name, ctx);
      if (value !== undefined) values.set(name, value);
    }
    this.values = values;
    this.active = set.statements.map((s) => s.condition === undefined || conditionHolds(s.condition, ctx));
  }

  /** True when some statement allows `action` on `resource` and none denies it. */
  authorize(action: IotAction | ServiceAction, resource: string): boolean {
    const key = `${action} ${resource}`;
    const cached = this.cache?.get(key);
    if (cached !== undefined) return cached;
    let allowed = false;
    const statements = this.set.statements;
    for (let i = 0; i < statements.length; i++) {
      const s = statements[i];
      if (s === undefined || !this.active[i] || (allowed && !s.deny)) continue;
      if (!this.matches(s, action, resource)) continue;
      if (s.deny) {
        allowed = false;
        break;
      }
      allowed = true;
    }
    this.remember(key, allowed);
    return allowed;
  }

  private matches(s: CompiledStatement, action: string, resource: string): boolean {
    if (!s.actions.some((a) => matchGlob(a, action, NO_VALUE, true))) return false;
    return s.resources.some((tokens) => this.resolves(tokens) && matchGlob(tokens, resource, this.lookup));
  }

  /** A resource whose variable does not resolve for this connection is left out (AWS). */
  private resolves(tokens: readonly GlobToken[]): boolean {
    return tokens.every((t) => t.kind !== 'variable' || this.values.has(t.name));
  }

  private readonly lookup = (name: string): string => this.values.get(name) ?? '';

  private remember(key: string, decision: boolean): void {
    this.cache ??= new Map();
    if (this.cache.size >= DECISION_CACHE_SIZE) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(key, decision);
  }
}

/** Convenience for one-off evaluation (tests, tools): compile and bind in one step. */
export class CompiledPolicy {
  private readonly bound: ConnectionPolicy;
  constructor(documents: readonly PolicyDocument[], ctx: PolicyContext) {
    this.bound = new PolicySet(documents).bind(ctx);
  }
  authorize(action: IotAction | ServiceAction, resource: string): boolean {
    return this.bound.authorize(action, resource);
  }
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
    case 'StringEqualsIgnoreCase':
      return expected.some((e) => e.toLowerCase() === actual.toLowerCase());
    case 'StringEquals':
      return expected.includes(actual);
    case 'StringNotEquals':
      return !expected.includes(actual);
    case 'StringLike':
    case 'StringNotLike': {
      const hit = expected.some((pattern) => {
        const tokens = compileGlob(pattern);
        const values = (name: string) => resolveVariable(name, ctx);
        return (
          tokens.every((t) => t.kind !== 'variable' || values(t.name) !== undefined) &&
          matchGlob(tokens, actual, (name) => values(name) ?? '')
        );
      });
      return operator === 'StringLike' ? hit : !hit;
    }
  }
}
