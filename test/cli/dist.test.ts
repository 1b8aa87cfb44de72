/**
 * bin/camlink runs dist/ (compiled by `npm run build`) only while it matches src/, and the sources
 * through tsx otherwise; the root command tree loads no command module until one is chosen.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import { distIsFresh, isSource, sourceState } from '../../scripts/dist-state.mjs';
import { resolveNode } from '../../src/cli/command.js';
import { rootCommand } from '../../src/cli/commands/index.js';
import { summaries } from '../../src/cli/commands/summaries.js';
import { cliProcess } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

test('the build state goes stale on an edit, an added source and a deleted one', async (t) => {
  const dir = await tempDir(t);
  const src = join(dir, 'src');
  await mkdir(join(src, 'a'), { recursive: true });
  await writeFile(join(src, 'a', 'one.ts'), 'export const one = 1;\n');
  await writeFile(join(src, 'policy.json'), '{}\n');
  await writeFile(join(src, 'a', 'one.test.ts'), '// not compiled\n');
  const stateFile = join(dir, 'state.json');
  const record = async () => writeFile(stateFile, JSON.stringify(sourceState(src)));

  assert.equal(distIsFresh(src, stateFile), false, 'no build yet');
  await record();
  assert.equal(sourceState(src).files, 2, 'tests are not sources');
  assert.equal(distIsFresh(src, stateFile), true);

  const later = new Date(Date.now() + 60_000);
  await utimes(join(src, 'a', 'one.ts'), later, later);
  assert.equal(distIsFresh(src, stateFile), false, 'edited');
  await record();
  await writeFile(join(src, 'a', 'one.test.ts'), '// a test edited\n');
  assert.equal(distIsFresh(src, stateFile), true, 'a test is not compiled');

  await writeFile(join(src, 'two.ts'), 'export const two = 2;\n');
  await utimes(join(src, 'two.ts'), new Date(0), new Date(0));
  assert.equal(distIsFresh(src, stateFile), false, 'added (even with an old mtime)');
  await record();
  await rm(join(src, 'two.ts'));
  assert.equal(distIsFresh(src, stateFile), false, 'deleted');
  assert.ok(isSource('x/y.ts') && !isSource('x/y.test.ts') && isSource('p.json') && !isSource('a.md'));
});

test('every top-level command is lazy, and loads the command its name and summary announce', async () => {
  for (const entry of rootCommand.children) {
    assert.equal(entry.kind, 'lazy', entry.name);
    const loaded = await resolveNode(entry);
    assert.equal(loaded.name, entry.name);
    assert.equal(loaded.summary, entry.summary);
    assert.equal(summaries[entry.name as keyof typeof summaries], entry.summary);
  }
  assert.deepEqual(
    rootCommand.children.map((c) => c.name),
    Object.keys(summaries),
  );
});

test('the binary runs from the TypeScript sources when asked (as when dist/ is stale)', async () => {
  const run = await cliProcess(['device', 'create', 'x'.repeat(129)], { CAMLINK_FROM_SOURCE: '1' });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /\[DEVICE_ID_INVALID\]\n$/);
});
