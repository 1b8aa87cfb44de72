/** Bearer authentication on every /v1 route, on both stores: codes, and no state change on refusal. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backendTest, errorCode } from '../../../test/helpers/backend-app.js';
import { bearerToken, generateToken, hashesEqual, hashToken, isWellFormedToken } from '../auth/tokens.js';
import { systemRandom } from '../../util/clock.js';

const V1_ROUTES = [
  ['GET', '/v1/me'],
  ['GET', '/v1/devices'],
  ['GET', '/v1/devices/cam-1'],
  ['POST', '/v1/devices'],
  ['POST', '/v1/users'],
  ['POST', '/v1/users/usr_x/tokens'],
] as const;

test('tokens: format, hash, bearer parsing, constant-time comparison', () => {
  const token = generateToken(systemRandom);
  assert.ok(isWellFormedToken(token));
  assert.equal(token.length, 4 + 43);
  assert.ok(!isWellFormedToken(`${token}x`));
  assert.match(hashToken(token), /^[0-9a-f]{64}$/);
  assert.equal(bearerToken(undefined), undefined);
  assert.equal(bearerToken(`Bearer ${token}`), token);
  assert.equal(bearerToken(`bearer  ${token}`), token);
  assert.equal(bearerToken(`Basic abc`), null);
  assert.equal(bearerToken(`Bearer a b`), null);
  assert.ok(hashesEqual(hashToken(token), hashToken(token)));
  assert.ok(!hashesEqual(hashToken(token), hashToken(`${token}!`)));
  assert.ok(!hashesEqual('', ''));
});

backendTest('every /v1 route refuses a missing, malformed, unknown or revoked token', async (_t, b) => {
  const alice = await b.user('Alice');
  const aliceRow = await b.store.findTokenByHash(hashToken(alice.token));
  assert.ok(aliceRow);
  await b.store.revokeToken(aliceRow.id, 1);
  const before = await b.store.countRows();
  const cases: [Record<string, string>, string][] = [
    [{}, 'AUTH_REQUIRED'],
    [{ authorization: 'Basic dXNlcjpwYXNz' }, 'AUTH_INVALID'],
    [{ authorization: 'Bearer not-a-token' }, 'AUTH_INVALID'],
    [{ authorization: `Bearer ${generateToken(systemRandom)}` }, 'AUTH_INVALID'],
    [{ authorization: `Bearer ${alice.token}` }, 'AUTH_INVALID'],
  ];
  for (const [method, url] of V1_ROUTES) {
    for (const [headers, code] of cases) {
      const res = await b.call(method, url, { headers, body: method === 'POST' ? { name: 'x' } : undefined });
      assert.equal(res.statusCode, 401, `${method} ${url} ${JSON.stringify(headers)}`);
      assert.equal(errorCode(res), code);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.ok(!res.body.includes(alice.token), 'a token is never echoed');
    }
  }
  assert.deepEqual(await b.store.countRows(), before);
});

backendTest('authentication happens before the body is read', async (_t, b) => {
  const res = await b.call('POST', '/v1/users', { body: '{not json' });
  assert.equal(errorCode(res), 'AUTH_REQUIRED');
});

backendTest('a used token records last_used_at, at most once a minute', async (_t, b) => {
  const alice = await b.user('Alice');
  const hash = hashToken(alice.token);
  assert.equal((await b.store.findTokenByHash(hash))?.lastUsedAt, undefined);
  assert.equal((await b.call('GET', '/v1/me', { token: alice.token })).statusCode, 200);
  const first = (await b.store.findTokenByHash(hash))?.lastUsedAt;
  assert.equal(first, b.clock.now().getTime());
  b.clock.advance(30_000);
  await b.call('GET', '/v1/me', { token: alice.token });
  assert.equal((await b.store.findTokenByHash(hash))?.lastUsedAt, first);
  b.clock.advance(30_000);
  await b.call('GET', '/v1/me', { token: alice.token });
  assert.equal((await b.store.findTokenByHash(hash))?.lastUsedAt, b.clock.now().getTime());
});

backendTest('operator-only routes refuse user tokens with FORBIDDEN and change nothing', async (_t, b) => {
  const alice = await b.user('Alice');
  const before = await b.store.countRows();
  const users = await b.call('POST', '/v1/users', { token: alice.token, body: { name: 'Mallory' } });
  assert.equal(users.statusCode, 403);
  assert.equal(errorCode(users), 'FORBIDDEN');
  const devices = await b.call('POST', '/v1/devices', { token: alice.token, body: { deviceId: 'cam-1' } });
  assert.equal(errorCode(devices), 'FORBIDDEN');
  const metrics = await b.call('GET', '/metrics', { token: alice.token });
  assert.equal(errorCode(metrics), 'FORBIDDEN');
  assert.deepEqual(await b.store.countRows(), before);
});

const logLines: string[] = [];
backendTest(
  'tokens never reach the logs, even at trace level and on failures',
  async (_t, b) => {
    logLines.length = 0;
    const alice = await b.user('Alice');
    await b.call('GET', '/v1/me', { token: alice.token });
    await b.call('GET', '/v1/devices/cam-x', { token: alice.token });
    await b.call('POST', '/v1/users', { token: alice.token, body: { name: 'x' } });
    await b.call('GET', '/v1/me', { token: `${alice.token.slice(0, -1)}A` });
    await b.store.close();
    await b.call('GET', '/v1/me', { token: alice.token });
    assert.ok(logLines.length > 0, 'the backend logged something');
    for (const line of logLines) {
      assert.ok(!line.includes(alice.token.slice(4)), line);
      assert.ok(!line.includes(b.operatorToken.slice(4)), line);
    }
  },
  { logLines },
);
