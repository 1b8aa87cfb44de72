/**
 * `npm test`: compiles the suite (scripts/build-tests.mjs) and runs every *.test.ts of src/ and test/ as
 * JavaScript with node's test runner, TEST_CONCURRENCY files at a time (default 3: on two cores a test
 * file keeps about two thirds of a core busy, the rest is waiting on sockets and child processes).
 * Arguments filter the files by substring: `npm test -- test/cli/ pki`. Exits with the runner's code.
 */
import { spawn } from 'node:child_process';
import { join, relative } from 'node:path';
import { ROOT } from './dist-state.mjs';

const BUILD = join(ROOT, '.test-build');
const filters = process.argv.slice(2);
const concurrency = process.env.TEST_CONCURRENCY ?? '3';

const listed = await new Promise((resolve, reject) => {
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'build-tests.mjs'), '--list'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text) => (out += text));
  child.once('error', reject);
  child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`build-tests exited ${code}`))));
});
const files = listed
  .split('\n')
  .filter((f) => f !== '')
  .filter(
    (f) => filters.length === 0 || filters.some((s) => relative(BUILD, f).includes(s.replace(/\.ts$/, ''))),
  );
if (files.length === 0) {
  process.stderr.write(`no test file matches ${filters.join(' ')}\n`);
  process.exit(2);
}
process.stderr.write(`running ${files.length} test files, ${concurrency} at a time\n`);
const runner = spawn(
  process.execPath,
  [
    '--enable-source-maps',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-timeout=180000',
    '--test-force-exit',
    '--test-reporter=spec',
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
);
runner.once('exit', (code, signal) => {
  if (signal !== null) process.kill(process.pid, signal);
  process.exitCode = code ?? 1;
});
