import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SizeCappedLogFile } from './log-file.js';

test('the log file is 0600 in a 0700 directory, appends, and moves to FILE.1 before passing maxBytes', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'camlink-logfile-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const path = join(root, 'data', 'logs', 'camlink.log');
  const file = new SizeCappedLogFile(path, { maxBytes: 30 });
  t.after(() => file.close());
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.equal((await stat(join(root, 'data', 'logs'))).mode & 0o777, 0o700);
  file.write('0123456789\n'); // 11 bytes
  file.write('abcdefghij\n'); // 22
  file.write('ABCDEFGHIJ\n'); // 33 > 30: the first two move to .1
  assert.equal(await readFile(`${path}.1`, 'utf8'), '0123456789\nabcdefghij\n');
  assert.equal(await readFile(path, 'utf8'), 'ABCDEFGHIJ\n');
  file.write('klmnopqrst\n');
  file.write('KLMNOPQRST\n'); // the older .1 is replaced
  assert.equal(await readFile(`${path}.1`, 'utf8'), 'ABCDEFGHIJ\nklmnopqrst\n');
  assert.equal(await readFile(path, 'utf8'), 'KLMNOPQRST\n');
});

test('a restart appends and counts what the file already holds', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'camlink-logfile-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const path = join(root, 'camlink.log');
  await writeFile(path, 'x'.repeat(25));
  const file = new SizeCappedLogFile(path, { maxBytes: 30 });
  t.after(() => file.close());
  file.write('0123456789\n');
  assert.equal(await readFile(`${path}.1`, 'utf8'), 'x'.repeat(25));
  assert.equal(await readFile(path, 'utf8'), '0123456789\n');
});
