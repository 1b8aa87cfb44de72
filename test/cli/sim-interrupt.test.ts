/**
 * `camlink sim` interrupted: Ctrl-C (SIGINT) in the upload phase stops the schedule, still waits for the
 * acknowledged uploads to be reconciled, prints the summary with interrupted=1 and stops the platform
 * child. Waits on the process's own progress output, never on time.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CAMLINK_BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { summary } from '../helpers/sim.js';

test('camlink sim on SIGINT stops the schedule, still reconciles what was acknowledged, reports and stops its platform', async (t) => {
  const dataDir = await tempDir(t, 'camlink-sim-int-');
  const child = spawn(
    process.execPath,
    [
      CAMLINK_BIN,
      'sim',
      '--cameras',
      '3',
      '--duration',
      '600',
      '--rate',
      '2',
      '--grace',
      '60',
      '--data-dir',
      dataDir,
    ],
    { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  // The first progress line of the upload phase: the schedule is running.
  await new Promise<void>((resolve) => {
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      if (/^uploads \d+ acknowledged/m.test(stderr)) resolve();
    });
  });
  child.kill('SIGINT');
  const code = await exited;
  const s = summary(stdout);
  assert.equal(s['interrupted'], '1', stdout);
  assert.equal(s['connected'], '3');
  assert.equal(s['lost'], '0');
  assert.equal(s['reconciled'], s['uploads']);
  assert.equal(code, 130, stderr);
  assert.match(stderr, /^interrupted: finishing up/m);
  assert.ok(!existsSync(join(dataDir, 'endpoints.json')), 'the platform child was stopped');
});
