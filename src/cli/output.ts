/** Command output: aligned "label  value" lines for people, or one JSON object with --json. */
import type { CliIo } from './command.js';

export function printResult(io: CliIo, json: boolean | undefined, rows: Record<string, unknown>): void {
  if (json === true) {
    io.stdout(`${JSON.stringify(rows)}\n`);
    return;
  }
  const width = Math.max(...Object.keys(rows).map((k) => k.length));
  for (const [label, value] of Object.entries(rows)) {
    if (value === undefined) continue;
    io.stdout(`${label.padEnd(width)}  ${show(value)}\n`);
  }
}

function show(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(show).join(', ');
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

export const jsonOption = { type: 'boolean', description: 'print the result as one JSON object' } as const;
