/**
 * Substitution templates, `${expression}` in action parameters (AWS IoT Developer Guide, "Substitution
 * templates"). The expression is any expression of the SQL subset; it is evaluated against the incoming
 * message, separately from SELECT, so it can read payload fields and call functions but cannot see
 * SELECT aliases. Templates compile when the rule loads: a syntax error or an unknown function is
 * RULE_SQL_INVALID with its position in the template.
 */
import { CamlinkError } from '../../errors/camlink-error.js';
import type { Expression } from './ast.js';
import { evaluateExpression, type EvaluationContext } from './evaluate.js';
import { parseEmbeddedExpression } from './parser.js';
import type { SqlValue } from './values.js';

/** Longest accepted template, in UTF-8 bytes. */
export const TEMPLATE_MAX_BYTES = 2048;

export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'expression'; readonly expression: Expression };

export interface Template {
  readonly source: string;
  readonly parts: readonly TemplatePart[];
}

export function compileTemplate(source: string): Template {
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > TEMPLATE_MAX_BYTES) {
    throw new CamlinkError(
      'RULE_SQL_INVALID',
      `template is ${bytes} bytes; the limit is ${TEMPLATE_MAX_BYTES}`,
    );
  }
  const parts: TemplatePart[] = [];
  let index = 0;
  while (index < source.length) {
    const open = source.indexOf('${', index);
    if (open < 0) break;
    if (open > index) parts.push({ kind: 'text', text: source.slice(index, open) });
    const { expression, end } = parseEmbeddedExpression(source, open + 2);
    parts.push({ kind: 'expression', expression });
    index = end;
  }
  if (index < source.length) parts.push({ kind: 'text', text: source.slice(index) });
  return { source, parts };
}

/** How a value reads inside a template: strings as they are, Undefined as nothing, the rest as JSON. */
function asText(value: SqlValue): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

export function renderTemplate(template: Template, context: EvaluationContext): string {
  return template.parts
    .map((part) => (part.kind === 'text' ? part.text : asText(evaluateExpression(part.expression, context))))
    .join('');
}
