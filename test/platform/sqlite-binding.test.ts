/**
 * The choice of better-sqlite3's native binding (src/util/sqlite-binding.ts): the cached file for the
 * running ABI when it exists, else better-sqlite3's default; and, in a child process, that openSqliteFile
 * really loads the file chosen. Runs on the Node that installed node_modules (the last test loads
 * better-sqlite3's own binding); .ci/node24-smoke runs it after Node 24 to show Node 20 unaffected.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  NATIVE_DIR_ENV,
  chooseSqliteBinding,
  currentSqliteBindingSite,
  nativeCacheDir,
  sqliteBindingName,
  sqliteBindingPath,
} from '../../src/util/sqlite-binding.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const manifest = require.resolve('better-sqlite3/package.json');

test('the binding for an ABI is named by better-sqlite3 version and ABI, in the native cache', () => {
  assert.equal(sqliteBindingName('12.11.1', '137'), 'better-sqlite3-12.11.1-abi137.node');
  assert.equal(
    sqliteBindingPath({ dir: '/cache', version: '12.11.1', abi: '137' }),
    '/cache/better-sqlite3-12.11.1-abi137.node',
  );
  assert.equal(nativeCacheDir({}, '/app/node_modules'), '/app/node_modules/.cache/camlink-native');
  assert.equal(
    nativeCacheDir({ [NATIVE_DIR_ENV]: '' }, '/app/node_modules'),
    '/app/node_modules/.cache/camlink-native',
  );
  assert.equal(nativeCacheDir({ [NATIVE_DIR_ENV]: '/elsewhere/' }, '/app/node_modules'), '/elsewhere');
});

test('the cached file for the running ABI is chosen when it exists; a missing one falls back to the default', async (t) => {
  const dir = await tempDir(t);
  const site = { dir, version: '12.11.1', abi: '137' };
  assert.equal(chooseSqliteBinding(site), undefined, 'empty cache: the default');
  await writeFile(join(dir, sqliteBindingName('12.11.1', '115')), '');
  await writeFile(join(dir, sqliteBindingName('12.10.0', '137')), '');
  assert.equal(chooseSqliteBinding(site), undefined, 'another ABI or another version is not ours');
  await writeFile(join(dir, sqliteBindingName('12.11.1', '137')), '');
  assert.equal(chooseSqliteBinding(site), join(dir, 'better-sqlite3-12.11.1-abi137.node'));
});

test("this process's site: the resolved better-sqlite3, its node_modules, the running ABI", async () => {
  const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
  const site = currentSqliteBindingSite({});
  assert.deepEqual(site, {
    dir: join(dirname(dirname(manifest)), '.cache', 'camlink-native'),
    version,
    abi: process.versions.modules,
  });
  assert.equal(currentSqliteBindingSite({ [NATIVE_DIR_ENV]: '/n' }).dir, '/n');
});

/** The native files a child process loaded to open a SQLite database with openSqliteFile. */
async function nativeFilesLoaded(env: NodeJS.ProcessEnv): Promise<string[]> {
  const script = [
    "import { createRequire } from 'node:module';",
    "import { openSqliteFile } from './src/util/sqlite.ts';",
    "const db = openSqliteFile(':memory:', { what: 'test' });",
    "if (db.prepare('select 1 + 1 as two').get().two !== 2) process.exit(2);",
    'db.close();',
    "const cache = createRequire(process.cwd() + '/').cache;",
    "console.log(JSON.stringify(Object.keys(cache).filter((k) => k.endsWith('.node'))));",
  ].join('\n');
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    env,
  });
  return JSON.parse(stdout) as string[];
}

test('openSqliteFile loads the cached binding for the running ABI, else the default', async (t) => {
  const dir = await tempDir(t);
  const env = { ...process.env, [NATIVE_DIR_ENV]: dir };
  const fallback = await nativeFilesLoaded(env);
  assert.equal(fallback.length, 1, JSON.stringify(fallback));
  assert.match(fallback[0] ?? '', /better-sqlite3\/build\/Release\/better_sqlite3\.node$/);

  // A copy of the default binding (built for this very Node) stands in for one built for this ABI.
  const cached = sqliteBindingPath({ ...currentSqliteBindingSite(env), dir });
  await mkdir(dir, { recursive: true });
  await copyFile(fallback[0] ?? '', cached);
  assert.deepEqual(await nativeFilesLoaded(env), [cached]);
});
