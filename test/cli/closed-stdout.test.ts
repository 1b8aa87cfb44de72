/**
 * `camlink device list | head -1`: a reader that goes away closes the pipe under stdout. The command
 * ends quietly (no "write EPIPE" stack, exit 0), like `ls | head -1` (src/cli/output.ts, processIo).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { CAMLINK_BIN, cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** Runs bin/camlink with stdout a pipe whose read end is closed before the process writes to it. */
async function runWithClosedStdout(argv: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CAMLINK_BIN, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH },
  });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stderr };
}

test('a closed stdout ends --help quietly: no EPIPE, no stack, exit 0', async () => {
  const run = await runWithClosedStdout(['--help']);
  assert.equal(run.stderr, '');
  assert.equal(run.code, 0);
});

test('camlink device list into a closed pipe (| head -1) ends quietly with exit 0', async (t) => {
  const dir = await tempDir(t);
  assert.equal((await cli(['ca', 'init', '--data-dir', dir])).code, 0);
  for (const id of ['cam-1', 'cam-2', 'cam-3']) {
    assert.equal((await cli(['device', 'create', id, '--data-dir', dir])).code, 0);
  }
  const run = await runWithClosedStdout(['device', 'list', '--data-dir', dir]);
  assert.doesNotMatch(run.stderr, /EPIPE|\n\s+at /);
  assert.equal(run.stderr, '');
  assert.equal(run.code, 0);
});
