/**
 * The compiled form of a rule statement (AWS IoT Developer Guide, "AWS IoT SQL reference"): what the
 * parser produces and the evaluator reads. Plain data, so a compiled rule can be inspected in tests.
 */
import type { ComparisonOperator } from './operators.js';
import type { JsonValue } from './values.js';

export type Expression =
  | { readonly kind: 'literal'; readonly value: JsonValue }
  | { readonly kind: 'field'; readonly path: readonly string[] }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Expression[] }
  | { readonly kind: 'not'; readonly operand: Expression }
  | { readonly kind: 'and' | 'or'; readonly left: Expression; readonly right: Expression }
  | {
      readonly kind: 'compare';
      readonly op: ComparisonOperator;
      readonly left: Expression;
      readonly right: Expression;
    };

/** `*`, or an expression with its output key (the alias, or a field's last name). */
export type SelectItem =
  | { readonly kind: 'all' }
  | { readonly kind: 'expression'; readonly expression: Expression; readonly name: string };

export interface Statement {
  readonly select: readonly SelectItem[];
  /** The FROM topic filter, validated. */
  readonly from: string;
  readonly where: Expression | undefined;
}
