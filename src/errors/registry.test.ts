import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { errorRegistry, errorCodes } from './registry.js';
import { CamlinkError } from './camlink-error.js';

test('docs/errors.md lists every code with its HTTP status and retryability, and no others', async () => {
  const doc = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, { status: number; retryable: boolean }>();
  for (const match of doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| (yes|no) \|/gm)) {
    rows.set(match[1] ?? '', { status: Number(match[2]), retryable: match[3] === 'yes' });
  }
  assert.deepEqual([...rows.keys()].sort(), [...errorCodes].sort());
  for (const code of errorCodes) {
    assert.deepEqual(rows.get(code), {
      status: errorRegistry[code].status,
      retryable: errorRegistry[code].retryable,
    });
  }
});

test('codes are upper snake case and errors carry their registry entry', () => {
  for (const code of errorCodes) assert.match(code, /^[A-Z][A-Z0-9_]+$/);
  const err = new CamlinkError('PKI_LOCKED', 'busy');
  assert.equal(err.status, 503);
  assert.equal(err.retryable, true);
});
