/**
 * `npm run security:table`: runs the security suite with CAMLINK_SECURITY_ROWS set, so every surface
 * file writes the rows it observed, then rewrites each surface's section of docs/security.md from
 * them. Refuses to write when a row failed (the page only ever shows refusals that were seen).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replaceSection, SECURITY_DOC, type MatrixRow } from './table.js';
import { ROWS_DIR_ENV } from './matrix.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const files = (await readdir(here)).filter((f) => f.endsWith('.test.ts')).map((f) => join(here, f));
const out = await mkdtemp(join(tmpdir(), 'camlink-security-'));
try {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-timeout=180000', '--test-force-exit', ...files.sort()],
    { stdio: 'inherit', env: { ...process.env, [ROWS_DIR_ENV]: out } },
  );
  if (run.status !== 0) {
    process.stderr.write('security:table: the suite failed; docs/security.md is left as it was\n');
    process.exitCode = 1;
  } else {
    let doc = await readFile(SECURITY_DOC, 'utf8');
    for (const name of (await readdir(out)).sort()) {
      const rows = JSON.parse(await readFile(join(out, name), 'utf8')) as MatrixRow[];
      doc = replaceSection(doc, name.replace(/\.json$/, ''), rows);
      process.stdout.write(`security:table: ${name}: ${rows.length} rows\n`);
    }
    await writeFile(SECURITY_DOC, doc);
  }
} finally {
  await rm(out, { recursive: true, force: true });
}
