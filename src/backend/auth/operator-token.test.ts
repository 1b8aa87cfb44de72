/** The operator token file: generated once (0600), reused, refused when malformed or revoked. */
import assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { storeTest } from '../../../test/helpers/backend-store.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import { isCamlinkError } from '../../errors/camlink-error.js';
import { systemClock, systemRandom } from '../../util/clock.js';
import { ensureOperatorToken } from './operator-token.js';
import { hashToken } from './tokens.js';

storeTest('the operator token is generated once and then reused', async (t, store) => {
  const path = join(await tempDir(t), 'operator-token');
  const first = await ensureOperatorToken(store, path, systemClock, systemRandom);
  assert.equal(first.created, true);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  const second = await ensureOperatorToken(store, path, systemClock, systemRandom);
  assert.deepEqual(second, { token: first.token, created: false });
  const row = await store.findTokenByHash(hashToken(first.token));
  assert.equal(row?.scope, 'operator');
  assert.equal((await store.countRows()).api_tokens, 1);
});

storeTest('a given token file is registered; malformed or revoked ones are refused', async (t, store) => {
  const dir = await tempDir(t);
  const given = join(dir, 'given');
  const token = `clk_${'A'.repeat(43)}`;
  await writeFile(given, `${token}\n`, { mode: 0o600 });
  assert.deepEqual(await ensureOperatorToken(store, given, systemClock, systemRandom), {
    token,
    created: false,
  });
  const row = await store.findTokenByHash(hashToken(token));
  assert.ok(row);
  await store.revokeToken(row.id, 1);
  await assert.rejects(ensureOperatorToken(store, given, systemClock, systemRandom), (err) =>
    isCamlinkError(err, 'CONFIG_INVALID'),
  );
  const bad = join(dir, 'bad');
  await writeFile(bad, 'hunter2\n');
  await assert.rejects(ensureOperatorToken(store, bad, systemClock, systemRandom), (err) =>
    isCamlinkError(err, 'CONFIG_INVALID'),
  );
});
