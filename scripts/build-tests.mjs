/**
 * `npm test` runs the suite from JavaScript: this compiles src/, test/, bench/ and infra/ with esbuild
 * into .test-build/, a mirror of the checkout (every other file and folder is a symlink to the real one,
 * each .ts source sits beside its .js as a symlink too), so test files load with no TypeScript loader.
 * Loading camlink's module graph through tsx's hooks costs about twice the CPU of loading it compiled,
 * in every test file's process; the suite is CPU-bound on two cores. Paths a module resolves from its own
 * URL (../../bin/camlink, ../../../docs/deploy.md, fixtures) land on the symlinks, i.e. the real files;
 * a child process started with tsx on a .ts path gets the real source. Type checking is `npm run
 * typecheck`'s job. Prints the compiled test files' paths on stdout when given --list.
 */
import { mkdirSync, readdirSync, rmSync, symlinkSync, lstatSync, renameSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from './dist-state.mjs';

const OUT = join(ROOT, '.test-build');
const COMPILED = ['src', 'test', 'bench', 'infra'];
const SKIP = new Set(['.git', '.test-build', 'dist', 'node_modules', '.camlink', 'cdk.out']);

const started = performance.now();
const temp = `${OUT}.tmp-${process.pid}`;
rmSync(temp, { recursive: true, force: true });
mkdirSync(temp);

const entryPoints = [];
/** Mirrors dir (relative to ROOT) into temp: .ts compiled later, everything else a symlink. */
function mirror(rel) {
  mkdirSync(join(temp, rel), { recursive: true });
  for (const entry of readdirSync(join(ROOT, rel), { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(rel, entry.name);
    if (entry.isDirectory()) {
      mirror(path);
      continue;
    }
    symlinkSync(join(ROOT, path), join(temp, path));
    if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) entryPoints.push(join(ROOT, path));
  }
}

for (const entry of readdirSync(ROOT, { withFileTypes: true })) {
  if (entry.name === '.test-build' || entry.name.startsWith('.test-build.tmp-') || entry.name === '.git')
    continue;
  if (entry.isDirectory() && COMPILED.includes(entry.name)) mirror(entry.name);
  else symlinkSync(join(ROOT, entry.name), join(temp, entry.name));
}
await build({
  entryPoints,
  outdir: temp,
  outbase: ROOT,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  bundle: false,
  sourcemap: 'inline',
  logLevel: 'warning',
});
rmSync(OUT, { recursive: true, force: true });
renameSync(temp, OUT);
const ms = Math.round(performance.now() - started);
if (process.argv.includes('--list')) {
  const tests = entryPoints
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(OUT, relative(ROOT, f)).replace(/\.ts$/, '.js'))
    .filter((f) => lstatSync(f).isFile())
    .sort();
  process.stdout.write(`${tests.join('\n')}\n`);
}
process.stderr.write(`compiled ${entryPoints.length} modules into .test-build in ${ms} ms\n`);
