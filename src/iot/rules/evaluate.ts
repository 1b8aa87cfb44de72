/**
 * Evaluates a compiled statement against one message (AWS IoT Developer Guide, "AWS IoT SQL reference":
 * FROM selects the messages, WHERE decides, SELECT builds the outgoing JSON object). Never throws: a
 * missing field, a wrong type or an unusable payload is Undefined, as in AWS.
 */
import type { Expression, Statement } from './ast.js';
import { sqlFunctions } from './functions.js';
import { and, compare, not, or, toBoolean } from './operators.js';
import { payloadDocument } from './payload.js';
import { matchesTopicFilter } from './topic-filter.js';
import { isJsonObject, type JsonValue, type RuleMessage, type SqlValue } from './values.js';

/** What expressions are evaluated against: the message and its payload document, decoded once. */
export interface EvaluationContext {
  readonly message: RuleMessage;
  readonly document: { [key: string]: JsonValue } | undefined;
}

/** The payload is decoded on first use, so messages that no rule's FROM matches are never parsed. */
export function contextOf(message: RuleMessage): EvaluationContext {
  let decoded: { value: EvaluationContext['document'] } | undefined;
  return {
    message,
    get document() {
      decoded ??= { value: payloadDocument(message.payload) };
      return decoded.value;
    },
  };
}

function field(document: EvaluationContext['document'], path: readonly string[]): SqlValue {
  let current: SqlValue = document;
  for (const name of path) {
    if (!isJsonObject(current) || !Object.hasOwn(current, name)) return undefined;
    current = current[name];
  }
  return current;
}

export function evaluateExpression(expression: Expression, context: EvaluationContext): SqlValue {
  switch (expression.kind) {
    case 'literal':
      return expression.value;
    case 'field':
      return field(context.document, expression.path);
    case 'call': {
      const args = expression.args.map((arg) => evaluateExpression(arg, context));
      return sqlFunctions.get(expression.name)?.call(args, context.message);
    }
    case 'not':
      return not(evaluateExpression(expression.operand, context));
    case 'and':
      return and(evaluateExpression(expression.left, context), evaluateExpression(expression.right, context));
    case 'or':
      return or(evaluateExpression(expression.left, context), evaluateExpression(expression.right, context));
    case 'compare':
      return compare(
        expression.op,
        evaluateExpression(expression.left, context),
        evaluateExpression(expression.right, context),
      );
  }
}

/**
 * The rule's outgoing JSON object for `message`, or undefined when the topic does not match FROM or
 * WHERE is not true (false, Undefined, or not a boolean). Select items apply in order, so an alias
 * after `*` overrides a payload key of the same name, and an Undefined value leaves its key out.
 */
export function evaluate(
  statement: Statement,
  message: RuleMessage,
): { [key: string]: JsonValue } | undefined {
  if (!matchesTopicFilter(statement.from, message.topic)) return undefined;
  return evaluateInContext(statement, contextOf(message));
}

/** evaluate() for a message whose payload is already decoded (the engine decodes it once for all rules). */
export function evaluateInContext(
  statement: Statement,
  context: EvaluationContext,
): { [key: string]: JsonValue } | undefined {
  if (!matchesTopicFilter(statement.from, context.message.topic)) return undefined;
  if (statement.where !== undefined && toBoolean(evaluateExpression(statement.where, context)) !== true) {
    return undefined;
  }
  // A Map then Object.fromEntries: keys such as "__proto__" become plain own properties.
  const output = new Map<string, JsonValue>();
  for (const item of statement.select) {
    if (item.kind === 'all') {
      for (const [key, value] of Object.entries(context.document ?? {})) output.set(key, value);
      continue;
    }
    const value = evaluateExpression(item.expression, context);
    if (value === undefined) output.delete(item.name);
    else output.set(item.name, value);
  }
  return Object.fromEntries(output);
}
