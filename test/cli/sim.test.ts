/**
 * `camlink sim` as a user runs it: a real process that starts the platform as its own child, connects
 * a fleet over mutual TLS, uploads for real and ends with one summary line. The second run reuses the
 * first one's data dir (cached identities, paired cameras) with the backend's reconciler switched off by
 * configuration (backend.reconciler.enabled: false, as when another replica is meant to consume): the
 * uploads reach the store and the queue, nobody records them, and the sim must call them lost.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, cliProcess, errorCodeOf } from '../helpers/cli.js';
import { summary } from '../helpers/sim.js';
import { tempDir } from '../helpers/tmp.js';

test('camlink sim: 20 cameras upload, every acknowledged upload is reconciled; a rerun reuses the identities; without a reconciler uploads are lost', async (t) => {
  const dataDir = await tempDir(t, 'camlink-sim-');
  const args = ['sim', '--cameras', '20', '--duration', '3', '--rate', '5', '--data-dir', dataDir];

  const run = await cliProcess([...args, '--grace', '60']);
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  const s = summary(run.stdout);
  assert.equal(s['cameras'], '20');
  assert.equal(s['connected'], '20');
  assert.equal(s['lost'], '0');
  assert.equal(s['failed'], '0');
  assert.ok(Number(s['uploads']) > 0, `uploads=${s['uploads']}`);
  assert.equal(s['reconciled'], s['uploads']);
  assert.match(s['p50'] ?? '', /^\d+ms$/);
  assert.match(s['thumbnails'] ?? '', /^\d+$/, 'thumbnails announced so far (made after the completions)');
  assert.match(s['broker_rss'] ?? '', /^\d+MB$/);
  assert.match(run.stderr, /^identities: 20 of 20$/m, 'the first run issues 20 identities');
  assert.ok(existsSync(join(dataDir, 'sim', 'identities.jsonl')));
  assert.ok(!existsSync(join(dataDir, 'endpoints.json')), 'the platform child was stopped');

  const config = join(dataDir, 'no-reconciler.json');
  await writeFile(config, JSON.stringify({ backend: { reconciler: { enabled: false } } }));
  const lostRun = await cliProcess([...args, '--grace', '2', '--config', config]);
  assert.equal(lostRun.code, 1, `${lostRun.stdout}\n${lostRun.stderr}`);
  assert.equal(errorCodeOf(lostRun), 'SIM_LOST');
  const l = summary(lostRun.stdout);
  assert.equal(l['connected'], '20');
  assert.ok(Number(l['uploads']) > 0, `uploads=${l['uploads']}`);
  assert.equal(l['lost'], l['uploads'], 'every acknowledged upload is lost');
  assert.equal(l['reconciled'], '0');
  assert.doesNotMatch(lostRun.stderr, /^identities:/m, 'the rerun issues no identity');
  assert.match(lostRun.stderr, /^enroll: 0 of 0$/m, 'the rerun pairs nothing again');
});

test('camlink sim refuses out-of-range flags with CLI_USAGE before doing anything', async () => {
  for (const bad of [
    ['--cameras', '0'],
    ['--cameras', '50001'],
    ['--cameras', '1.5'],
    ['--cameras', '10', '--duration', '0'],
    ['--cameras', '10', '--rate', 'fast'],
    ['--cameras', '10', '--grace', '601'],
    [],
  ]) {
    const run = await cli(['sim', ...bad]);
    assert.equal(run.code, 2, bad.join(' '));
    assert.equal(errorCodeOf(run), 'CLI_USAGE', bad.join(' '));
  }
  const help = await cli(['sim', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /lost=N/);
});
