/** `camlink demo` as a user runs it: a real process, every step printed, exit 0, nothing left behind. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { rm } from 'node:fs/promises';
import { cli, cliProcess } from '../helpers/cli.js';

test('camlink demo runs the whole flow, prints each step and the object URL, and exits 0', async (t) => {
  const run = await cliProcess(['demo', '--keep']);
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  for (let step = 1; step <= 9; step++) assert.match(run.stdout, new RegExp(`^${step}\\. `, 'm'));
  assert.match(run.stdout, /paired with cam-demo over PTP\/IP/);
  assert.match(run.stdout, /identical to the capture/);
  const url = /^object URL: (https:\/\/\S+)$/m.exec(run.stdout)?.[1];
  assert.match(url ?? '', /\/camlink-media\/devices\/cam-demo\/upl_[A-Za-z0-9_-]+\.jpg$/);
  const kept = /^data dir kept: (\S+)$/m.exec(run.stdout)?.[1];
  assert.ok(kept && existsSync(kept), 'with --keep the data dir stays');
  t.after(() => rm(kept, { recursive: true, force: true }));
  const help = await cli(['demo', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /exit code 0 only if/);
});
