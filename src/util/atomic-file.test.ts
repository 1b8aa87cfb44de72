import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, readInputFile } from './atomic-file.js';
import { isCamlinkError } from '../errors/camlink-error.js';
import { tempDir } from '../../test/helpers/tmp.js';

test('secret files get mode 0600 whatever the umask, and no temporary file is left', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'sub', 'k.pem');
  const old = process.umask(0o000);
  try {
    await writeFileAtomic(path, 'secret', { mode: 0o600, overwrite: false });
  } finally {
    process.umask(old);
  }
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(join(dir, 'sub')), ['k.pem']);
});

test('overwrite=false refuses an existing file and leaves it untouched', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'a.pem');
  await writeFile(path, 'original');
  await assert.rejects(writeFileAtomic(path, 'new', { mode: 0o644, overwrite: false }), (err) =>
    isCamlinkError(err, 'FILE_EXISTS'),
  );
  assert.equal(await readFile(path, 'utf8'), 'original');
  assert.deepEqual(await readdir(dir), ['a.pem']);
  await writeFileAtomic(path, 'new', { mode: 0o644, overwrite: true });
  assert.equal(await readFile(path, 'utf8'), 'new');
});

test('input files are size-limited and missing files are coded', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'in');
  await writeFile(path, 'x'.repeat(11));
  await assert.rejects(readInputFile(path, 10, 'CSR'), (err) => isCamlinkError(err, 'FILE_TOO_LARGE'));
  await assert.rejects(readInputFile(join(dir, 'nope'), 10, 'CSR'), (err) =>
    isCamlinkError(err, 'FILE_UNREADABLE'),
  );
  assert.equal((await readInputFile(path, 11, 'CSR')).length, 11);
});
