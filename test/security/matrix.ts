/**
 * The row recorder of the security suite. A surface file declares its rows with `row(...)`: each is a
 * node:test test that tries the attack for real and returns the refusal it actually saw (status and
 * code in the protocol's own format). The file's last test compares the rows with its section of
 * docs/security.md and fails listing the differences. With CAMLINK_SECURITY_ROWS=<dir> set (what
 * `npm run security:table` does) the rows are written to <dir>/<surface>.json instead, for the page to
 * be rewritten from them. Files run in their own processes, so each checks only its own section.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { differences, parseSection, SECURITY_DOC, type MatrixRow } from './table.js';

export const ROWS_DIR_ENV = 'CAMLINK_SECURITY_ROWS';

export interface Surface {
  /**
   * One attack. `attempt` must assert the exact refusal and return it as observed (e.g.
   * `403 AccessDenied`); a row whose attempt throws is recorded as failed and fails the comparison.
   */
  row(id: string, attack: string, expected: string, attempt: (t: TestContext) => Promise<string>): void;
  /** Declares the final comparison test; call once, after the last row. */
  done(): void;
}

export function surface(key: string, title: string): Surface {
  const rows: MatrixRow[] = [];
  const ids = new Set<string>();
  return {
    row(id, attack, expected, attempt) {
      assert.ok(/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id), `row id ${id} is kebab-case`);
      assert.ok(!ids.has(id), `row id ${id} is unique`);
      ids.add(id);
      test(`${id}: ${attack}`, async (t) => {
        const entry = { id, surface: title, attack, expected, observed: 'FAILED (the row threw)' };
        rows.push(entry);
        const observed = await attempt(t);
        assert.ok(observed.trim().length > 0, 'a row reports what it observed');
        entry.observed = observed;
      });
    },
    done() {
      test(`docs/security.md "${key}" section matches what the suite observed`, async () => {
        const out = process.env[ROWS_DIR_ENV];
        if (out !== undefined && out !== '') {
          await writeFile(join(out, `${key}.json`), JSON.stringify(rows, null, 2));
          return;
        }
        const documented = parseSection(await readFile(SECURITY_DOC, 'utf8'), key);
        assert.ok(documented, `docs/security.md has a "${key}" section (npm run security:table)`);
        const diff = differences(documented, rows);
        assert.deepEqual(diff, [], `docs/security.md differs from the run:\n${diff.join('\n')}`);
      });
    },
  };
}
