/**
 * One pino JSON log line as one line for a person in a terminal: the time, the level, the component and
 * the message, then the other fields as key=value (an error as its message). `camlink up` in a terminal
 * shows its warnings and errors so, while the full JSON lines go to its log file (cli-logging.ts).
 */
import type { Level } from 'pino';

/** pino's level numbers. */
export const LEVEL_VALUES: Readonly<Record<Level, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

const LEVEL_NAMES = new Map<number, string>(
  Object.entries(LEVEL_VALUES).map(([name, value]) => [value, name.toUpperCase()]),
);

/** Fields every line has, shown in the line's head (or not at all) rather than as key=value. */
const HEAD_FIELDS = new Set(['level', 'time', 'name', 'pid', 'hostname', 'msg', 'component']);

/** Longest key=value tail kept, so that a line stays one line on a terminal's scrollback. */
const MAX_FIELDS_CHARS = 400;

/** The level number at the start of a pino line (`{"level":40,...`), without parsing the rest. */
export function levelOf(line: string): number | undefined {
  const match = /^\{"level":(\d+)/.exec(line);
  return match === null ? undefined : Number(match[1]);
}

/**
 * `12:00:01 WARN  broker: devices admitted (why="the backend is subscribed")`, newline-terminated; a
 * line that is not a JSON object is returned as it was (trimmed to one line).
 */
export function prettyLine(line: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return `${oneLine(line)}\n`;
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return `${oneLine(line)}\n`;
  const fields = entry as Record<string, unknown>;
  const level = typeof fields.level === 'number' ? (LEVEL_NAMES.get(fields.level) ?? 'LOG') : 'LOG';
  const time = typeof fields.time === 'number' ? clockTime(new Date(fields.time)) : undefined;
  const component = typeof fields.component === 'string' ? `${fields.component}: ` : '';
  const msg = typeof fields.msg === 'string' ? oneLine(fields.msg) : '';
  const rest = Object.entries(fields)
    .filter(([key]) => !HEAD_FIELDS.has(key))
    .map(([key, value]) => `${key}=${showValue(value)}`)
    .join(' ');
  const tail = rest === '' ? '' : ` (${truncate(rest, MAX_FIELDS_CHARS)})`;
  return `${time === undefined ? '' : `${time} `}${level.padEnd(5)} ${component}${msg}${tail}\n`;
}

function showValue(value: unknown): string {
  if (typeof value === 'string')
    return /[\s"=()]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (isSerializedError(value)) return JSON.stringify(oneLine(value.message));
  return JSON.stringify(value) ?? String(value);
}

/** pino's err serializer: { type, message, stack, ... }. */
function isSerializedError(value: unknown): value is { message: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string' &&
    typeof (value as { stack?: unknown }).stack === 'string'
  );
}

function clockTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
