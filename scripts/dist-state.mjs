/**
 * Whether dist/ (the JavaScript that `npm run build` compiles from src/) is up to date with src/: the
 * build records the sources it compiled (how many files, the newest modification time) in
 * dist/.source-state.json, and bin/camlink compares that with src/ as it is now (a few milliseconds).
 * Any edit, added or deleted source, or checkout makes it stale, and bin/camlink then runs the
 * TypeScript sources through tsx instead: never older code than the sources.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SRC_DIR = join(ROOT, 'src');
export const DIST_DIR = join(ROOT, 'dist');
export const STATE_FILE = join(DIST_DIR, '.source-state.json');

/** Files under src/ that the build compiles (.ts, not tests) or copies (.json). */
export function isSource(relPath) {
  return (relPath.endsWith('.ts') && !relPath.endsWith('.test.ts')) || relPath.endsWith('.json');
}

/** { files, newestMtimeMs } of the sources under srcDir now. */
export function sourceState(srcDir = SRC_DIR) {
  let files = 0;
  let newestMtimeMs = 0;
  for (const rel of readdirSync(srcDir, { recursive: true })) {
    if (!isSource(rel)) continue;
    files++;
    const { mtimeMs } = statSync(join(srcDir, rel));
    if (mtimeMs > newestMtimeMs) newestMtimeMs = mtimeMs;
  }
  return { files, newestMtimeMs };
}

/** True when the build whose state file is stateFile compiled the sources of srcDir as they are now. */
export function distIsFresh(srcDir = SRC_DIR, stateFile = STATE_FILE) {
  let built;
  try {
    built = JSON.parse(readFileSync(stateFile, 'utf8'));
  } catch {
    return false;
  }
  const now = sourceState(srcDir);
  return built.files === now.files && built.newestMtimeMs === now.newestMtimeMs;
}
