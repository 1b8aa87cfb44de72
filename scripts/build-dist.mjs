/**
 * `npm run build` (also run by `npm install`, through prepare): compiles src/ to dist/ with esbuild,
 * one JavaScript module per TypeScript module (no bundling, so lazy imports stay lazy), and copies the
 * JSON files src/ reads at run time. dist/ mirrors src/ at the same depth (src/a/b.ts -> dist/a/b.js),
 * so paths a module resolves from its own URL (../../package.json, ../../web/dist, ../../bin/camlink)
 * are the same from either. Type checking is `npm run typecheck`'s job, not this one's.
 */
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { DIST_DIR, ROOT, SRC_DIR, isSource, sourceState } from './dist-state.mjs';

const started = performance.now();
// The state is read before compiling: a source edited during the build leaves dist/ stale, not wrong.
const state = sourceState();
const sources = readdirSync(SRC_DIR, { recursive: true }).filter(isSource);
const temp = `${DIST_DIR}.tmp-${process.pid}`;
rmSync(temp, { recursive: true, force: true });
await build({
  entryPoints: sources.filter((f) => f.endsWith('.ts')).map((f) => join(SRC_DIR, f)),
  outdir: temp,
  outbase: SRC_DIR,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  bundle: false,
  sourcemap: 'linked',
  logLevel: 'warning',
});
for (const json of sources.filter((f) => f.endsWith('.json'))) {
  mkdirSync(dirname(join(temp, json)), { recursive: true });
  copyFileSync(join(SRC_DIR, json), join(temp, json));
}
writeFileSync(join(temp, '.source-state.json'), `${JSON.stringify(state)}\n`);
// Replace dist/ whole, so a deleted source leaves no module behind.
rmSync(DIST_DIR, { recursive: true, force: true });
renameSync(temp, DIST_DIR);
const ms = Math.round(performance.now() - started);
process.stdout.write(
  `built ${state.files} modules of src/ into ${DIST_DIR.slice(ROOT.length)} in ${ms} ms\n`,
);
