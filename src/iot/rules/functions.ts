/**
 * The built-in functions of the subset (AWS IoT Developer Guide, "Functions": topic(Decimal), clientid(),
 * timestamp(), principal()). A name outside this table is a compile-time error, so a rule never runs
 * with a function that would silently yield Undefined.
 */
import type { RuleMessage, SqlValue } from './values.js';

export interface SqlFunction {
  readonly minArgs: number;
  readonly maxArgs: number;
  call(args: readonly SqlValue[], message: RuleMessage): SqlValue;
}

/** topic() is the whole topic; topic(n) the n-th level, 1-based; Undefined when n is out of range. */
function topic(args: readonly SqlValue[], message: RuleMessage): SqlValue {
  if (args.length === 0) return message.topic;
  const n = args[0];
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) return undefined;
  return message.topic.split('/')[n - 1];
}

export const sqlFunctions: ReadonlyMap<string, SqlFunction> = new Map<string, SqlFunction>([
  ['topic', { minArgs: 0, maxArgs: 1, call: topic }],
  ['clientid', { minArgs: 0, maxArgs: 0, call: (_args, message) => message.clientId ?? 'n/a' }],
  ['timestamp', { minArgs: 0, maxArgs: 0, call: (_args, message) => message.timestamp }],
  ['principal', { minArgs: 0, maxArgs: 0, call: (_args, message) => message.principal }],
]);
