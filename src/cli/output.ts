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

/**
 * The CliIo of the real process. A reader that goes away (`camlink device list | head -1`) closes the
 * pipe under stdout, and node (which ignores SIGPIPE) reports that as an 'error' event with EPIPE: left
 * unhandled, it would print a stack trace. Like `ls | head -1`, camlink stays quiet instead: output to
 * a closed stream is dropped, and the command finishes its work and exits with its own code (0 when it
 * succeeded, not 141: under `set -o pipefail` a reader that stopped early is not a failure of camlink).
 * Long-running commands (`up`, `camera`) keep running until SIGINT/SIGTERM, as closing their output is
 * not a request to stop. Other write errors are still reported.
 */
export function processIo(env: NodeJS.ProcessEnv = process.env): CliIo {
  return {
    stdout: quietWhenClosed(process.stdout),
    stderr: quietWhenClosed(process.stderr),
    env,
    stdoutIsTTY: process.stdout.isTTY === true,
  };
}

function quietWhenClosed(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') closed = true;
    else throw err;
  });
  return (text) => {
    if (!closed && !stream.destroyed) stream.write(text);
  };
}
