/**
 * The rules engine of the embedded IoT endpoint (AWS IoT Developer Guide, "Rules for AWS IoT" and
 * "Error handling (error action)"). Every enabled rule whose FROM filter and WHERE condition accept a
 * message runs all its actions; handle() settles only after every action finished, so the broker can
 * await it before PUBACK and a PUBACKed publish is already in the queue.
 *
 * Failure semantics (docs/rules.md): when an action of a rule fails, the rule's error action receives
 * one document listing every failed action (ruleName, topic, cloudwatchTraceId, clientId,
 * base64OriginalPayload, failures), then handle() rejects with RULE_ACTION_FAILED so the publish is not
 * acknowledged and the device sends it again. Delivery is therefore at least once: the actions that
 * succeeded, and those of other rules, run again on the retry.
 */
import { randomUUID } from 'node:crypto';
import { CamlinkError } from '../../errors/camlink-error.js';
import { runAction, type ActionDeps, type ActionFailure, type QueueSink } from './actions.js';
import { compileRule, type CompiledRule, type RuleAction, type RuleDefinition } from './definition.js';
import { contextOf, evaluateInContext, type EvaluationContext } from './evaluate.js';
import type { JsonValue, RuleMessage } from './values.js';

export type { QueueSink, RuleAction, RuleDefinition, RuleMessage };

/** AWS IoT: at most 1000 rules per account. */
export const RULES_MAX = 1000;

export interface RuleErrorInfo {
  readonly rule: string;
  readonly topic: string;
  /** The cloudwatchTraceId of the error document, to correlate logs. */
  readonly traceId: string;
  readonly failures: readonly ActionFailure[];
  /** What happened to the error action: none configured, delivered, or itself failed. */
  readonly errorAction: 'none' | 'succeeded' | 'failed';
  readonly errorActionFailure?: ActionFailure;
}

export interface RulesEngineDeps extends ActionDeps {
  /** Told about every rule whose actions failed (for logs and metrics); must not throw. */
  onError?(info: RuleErrorInfo): void;
  /** Source of cloudwatchTraceId values; crypto.randomUUID by default. */
  randomUUID?(): string;
}

export interface HandledRule {
  readonly rule: string;
  readonly actions: number;
}

export class RulesEngine {
  #rules: readonly CompiledRule[];
  readonly #deps: RulesEngineDeps;

  /** Compiles every rule now; throws RULE_INVALID or RULE_SQL_INVALID naming the first bad rule. */
  constructor(rules: readonly RuleDefinition[], deps: RulesEngineDeps) {
    this.#rules = compileAll(rules);
    this.#deps = deps;
  }

  /**
   * Swaps in a new rule set (the IoT API changed a rule): all are compiled first, so a bad set leaves
   * the running rules as they were. Messages already being handled finish with the old rules.
   */
  replaceRules(rules: readonly RuleDefinition[]): void {
    this.#rules = compileAll(rules);
  }

  get ruleNames(): string[] {
    return this.#rules.map((rule) => rule.name);
  }

  /**
   * Runs every enabled rule that accepts `message` and resolves, once all their actions completed, to
   * the rules that ran. Rejects with RULE_ACTION_FAILED when any action failed (after error actions).
   */
  async handle(message: RuleMessage): Promise<HandledRule[]> {
    const context = contextOf(message);
    const matched: { rule: CompiledRule; output: { [key: string]: JsonValue } }[] = [];
    for (const rule of this.#rules) {
      if (!rule.enabled) continue;
      const output = evaluateInContext(rule.statement, context);
      if (output !== undefined) matched.push({ rule, output });
    }
    const failed = await Promise.all(matched.map(({ rule, output }) => this.#run(rule, output, context)));
    const failures = matched.flatMap(({ rule }, i) =>
      (failed[i] ?? []).map((failure) => ({ rule: rule.name, ...failure })),
    );
    const first = failures[0];
    if (first !== undefined) {
      const rules = [...new Set(failures.map((failure) => failure.rule))].join(', ');
      throw new CamlinkError(
        'RULE_ACTION_FAILED',
        `${failures.length} action(s) of rule(s) ${rules} failed on topic "${message.topic}"; first: ${first.failedAction} ${first.failedResource}: ${first.errorMessage}`,
        { details: { failures } },
      );
    }
    return matched.map(({ rule }) => ({ rule: rule.name, actions: rule.actions.length }));
  }

  /** Runs a rule's actions side by side; on failure runs its error action. Resolves to the failures. */
  async #run(
    rule: CompiledRule,
    output: { [key: string]: JsonValue },
    context: EvaluationContext,
  ): Promise<ActionFailure[]> {
    const results = await Promise.all(
      rule.actions.map((action) => runAction(action, output, context, this.#deps, rule.name)),
    );
    const failures = results.filter((result): result is ActionFailure => result !== undefined);
    if (failures.length === 0) return failures;

    const { message } = context;
    const traceId = (this.#deps.randomUUID ?? randomUUID)();
    const errorDocument: { [key: string]: JsonValue } = {
      ruleName: rule.name,
      topic: message.topic,
      cloudwatchTraceId: traceId,
      clientId: message.clientId ?? 'n/a',
      base64OriginalPayload: message.payload.toString('base64'),
      failures: failures.map((failure) => ({ ...failure })),
    };
    const errorActionFailure =
      rule.errorAction === undefined
        ? undefined
        : await runAction(rule.errorAction, errorDocument, context, this.#deps, rule.name);
    this.#deps.onError?.({
      rule: rule.name,
      topic: message.topic,
      traceId,
      failures,
      errorAction:
        rule.errorAction === undefined ? 'none' : errorActionFailure === undefined ? 'succeeded' : 'failed',
      ...(errorActionFailure === undefined ? {} : { errorActionFailure }),
    });
    return failures;
  }
}

function compileAll(rules: readonly RuleDefinition[]): CompiledRule[] {
  if (rules.length > RULES_MAX) {
    throw new CamlinkError('RULE_INVALID', `${rules.length} rules; the limit is ${RULES_MAX}`);
  }
  const names = new Set<string>();
  return rules.map((definition) => {
    const rule = compileRule(definition);
    if (names.has(rule.name)) throw new CamlinkError('RULE_INVALID', `rule "${rule.name}" is defined twice`);
    names.add(rule.name);
    return rule;
  });
}
