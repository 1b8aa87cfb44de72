/**
 * Operator semantics from the AWS IoT Developer Guide, "Operators" (SQL version 2016-03-23):
 * - `=` and `<>` compare values of the same type (arrays in order, objects by keys and values);
 *   mismatched types are unequal; an Undefined operand makes the result Undefined.
 * - `<`, `<=`, `>`, `>=` convert both operands to a decimal (numbers, and strings that read as one);
 *   anything else makes the result Undefined.
 * - AND, OR and NOT take booleans or the strings "true"/"false" (any case); anything else is Undefined.
 */
import type { JsonValue, SqlValue } from './values.js';

export type ComparisonOperator = '=' | '<>' | '<' | '<=' | '>' | '>=';

const DECIMAL = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/u;

function toDecimal(value: SqlValue): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return Number(value.trim());
  return undefined;
}

/** The boolean AND, OR, NOT and WHERE see, or undefined when the value is not one. */
export function toBoolean(value: SqlValue): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

function typeOf(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Deep equality of two JSON values, or undefined when their types differ. */
function sameTypeEqual(left: JsonValue, right: JsonValue): boolean | undefined {
  const type = typeOf(left);
  if (type !== typeOf(right)) return undefined;
  if (Array.isArray(left) && Array.isArray(right)) {
    return (
      left.length === right.length && left.every((item, i) => sameTypeEqual(item, right[i] ?? null) === true)
    );
  }
  if (type === 'object') {
    const l = left as { [key: string]: JsonValue };
    const r = right as { [key: string]: JsonValue };
    const keys = Object.keys(l);
    if (keys.length !== Object.keys(r).length) return false;
    return keys.every(
      (key) => Object.hasOwn(r, key) && sameTypeEqual(l[key] ?? null, r[key] ?? null) === true,
    );
  }
  return left === right;
}

export function compare(op: ComparisonOperator, left: SqlValue, right: SqlValue): boolean | undefined {
  if (left === undefined || right === undefined) return undefined;
  switch (op) {
    case '=':
      return sameTypeEqual(left, right) ?? false;
    case '<>': {
      const equal = sameTypeEqual(left, right);
      return equal === undefined ? true : !equal;
    }
    default: {
      const l = toDecimal(left);
      const r = toDecimal(right);
      if (l === undefined || r === undefined) return undefined;
      if (op === '<') return l < r;
      if (op === '<=') return l <= r;
      if (op === '>') return l > r;
      return l >= r;
    }
  }
}

export function and(left: SqlValue, right: SqlValue): boolean | undefined {
  const l = toBoolean(left);
  const r = toBoolean(right);
  return l === undefined || r === undefined ? undefined : l && r;
}

export function or(left: SqlValue, right: SqlValue): boolean | undefined {
  const l = toBoolean(left);
  const r = toBoolean(right);
  return l === undefined || r === undefined ? undefined : l || r;
}

export function not(operand: SqlValue): boolean | undefined {
  const value = toBoolean(operand);
  return value === undefined ? undefined : !value;
}
