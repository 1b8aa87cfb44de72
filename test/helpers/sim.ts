/** The summary line `camlink sim` ends with, as key=value pairs (asserting it is the last stdout line). */
import assert from 'node:assert/strict';

export function summary(stdout: string): Record<string, string> {
  const lines = stdout.trimEnd().split('\n');
  const last = lines[lines.length - 1] ?? '';
  assert.match(last, /^sim /, `the last stdout line is the summary: ${stdout}`);
  return Object.fromEntries(
    last
      .slice(4)
      .split(' ')
      .map((kv) => kv.split('=') as [string, string]),
  );
}
