/** Users, tokens and /v1/me through inject(), on both stores. */
import assert from 'node:assert/strict';
import { backendTest, errorCode } from '../../../test/helpers/backend-app.js';

backendTest('the operator creates a user whose token is shown once and works', async (_t, b) => {
  const res = await b.call('POST', '/v1/users', { token: b.operatorToken, body: { name: '  Alice ' } });
  assert.equal(res.statusCode, 201);
  const body = res.json<{
    user: { id: string; name: string; createdAt: string };
    token: { token: string };
  }>();
  assert.equal(body.user.name, 'Alice');
  assert.equal(body.user.createdAt, b.clock.now().toISOString());
  const me = await b.call('GET', '/v1/me', { token: body.token.token });
  assert.equal(me.statusCode, 200);
  assert.deepEqual(me.json<{ kind: string; user: unknown }>().user, body.user);
  assert.equal(me.json<{ kind: string }>().kind, 'user');
});

backendTest('GET /v1/me names the operator token', async (_t, b) => {
  const me = await b.call('GET', '/v1/me', { token: b.operatorToken });
  assert.equal(me.json<{ kind: string }>().kind, 'operator');
});

backendTest('POST /v1/users validates its body and rejects unknown keys, changing nothing', async (_t, b) => {
  const before = await b.store.countRows();
  const bodies: unknown[] = [
    undefined,
    {},
    { name: '' },
    { name: '   ' },
    { name: 'x'.repeat(101) },
    { name: 42 },
    { name: 'Alice', admin: true },
    [],
    'null',
    '{"name": "Alice"',
  ];
  for (const body of bodies) {
    const res = await b.call('POST', '/v1/users', { token: b.operatorToken, body });
    assert.equal(res.statusCode, 400, JSON.stringify(body));
    assert.equal(errorCode(res), 'VALIDATION_FAILED', JSON.stringify(body));
  }
  const unknownKey = await b.call('POST', '/v1/users', {
    token: b.operatorToken,
    body: { name: 'Alice', admin: true },
  });
  assert.match(unknownKey.json<{ error: { message: string } }>().error.message, /admin/);
  assert.deepEqual(await b.store.countRows(), before);
});

backendTest('bodies that are not JSON or too large are refused with their codes', async (_t, b) => {
  const before = await b.store.countRows();
  const text = await b.call('POST', '/v1/users', {
    token: b.operatorToken,
    headers: { 'content-type': 'text/plain' },
    body: 'name=Alice',
  });
  // The test helper sets JSON; a caller's explicit content type wins.
  assert.equal(text.statusCode, 415);
  assert.equal(errorCode(text), 'UNSUPPORTED_MEDIA_TYPE');
  const huge = await b.call('POST', '/v1/users', {
    token: b.operatorToken,
    body: { name: 'x'.repeat(70_000) },
  });
  assert.equal(huge.statusCode, 413);
  assert.equal(errorCode(huge), 'PAYLOAD_TOO_LARGE');
  assert.deepEqual(await b.store.countRows(), before);
});

backendTest('new tokens: the operator or the user itself; others see NOT_FOUND', async (_t, b) => {
  const alice = await b.user('Alice');
  const bob = await b.user('Bob');
  const own = await b.call('POST', `/v1/users/${alice.id}/tokens`, { token: alice.token, body: {} });
  assert.equal(own.statusCode, 201);
  const second = own.json<{ token: { token: string; userId: string } }>().token;
  assert.equal(second.userId, alice.id);
  assert.notEqual(second.token, alice.token);
  assert.equal((await b.call('GET', '/v1/me', { token: second.token })).statusCode, 200);

  const byOperator = await b.call('POST', `/v1/users/${bob.id}/tokens`, { token: b.operatorToken });
  assert.equal(byOperator.statusCode, 201);

  const before = await b.store.countRows();
  const foreign = await b.call('POST', `/v1/users/${bob.id}/tokens`, { token: alice.token, body: {} });
  assert.equal(foreign.statusCode, 404);
  assert.equal(errorCode(foreign), 'NOT_FOUND');
  const unknown = await b.call('POST', '/v1/users/usr_nobody/tokens', { token: b.operatorToken, body: {} });
  assert.equal(errorCode(unknown), 'NOT_FOUND');
  const extra = await b.call('POST', `/v1/users/${alice.id}/tokens`, {
    token: alice.token,
    body: { ttl: 1 },
  });
  assert.equal(errorCode(extra), 'VALIDATION_FAILED');
  assert.deepEqual(await b.store.countRows(), before);
});

backendTest('unknown routes answer NOT_FOUND in the error format', async (_t, b) => {
  const res = await b.call('GET', '/v2/nothing');
  assert.equal(res.statusCode, 404);
  assert.equal(errorCode(res), 'NOT_FOUND');
});
