/** /healthz, /metrics and the OpenAPI document, on both stores. */
import assert from 'node:assert/strict';
import { backendTest, errorCode } from '../../../test/helpers/backend-app.js';
import { BackendHealth } from '../health.js';

backendTest('/healthz needs no token and reports the store', async (_t, b) => {
  const res = await b.call('GET', '/healthz');
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { status: 'ok', store: b.store.dialect });
});

backendTest('/healthz answers STORE_UNAVAILABLE when the store is gone', async (_t, b) => {
  await b.store.close();
  const res = await b.call('GET', '/healthz');
  assert.equal(res.statusCode, 503);
  assert.equal(errorCode(res), 'STORE_UNAVAILABLE');
});

backendTest(
  '/healthz answers degraded (503) naming the failed check while the store still answers',
  async (_t, b) => {
    const res = await b.call('GET', '/healthz');
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), {
      status: 'degraded',
      store: b.store.dialect,
      checks: [
        {
          name: 'backend.db',
          check: 'quick_check',
          code: 'DATABASE_CORRUPT',
          detail: 'Tree 4 page 72: btreeInitPage() returns error code 11',
        },
      ],
    });
    // The API itself still answers what it can.
    assert.equal((await b.call('GET', '/v1/me', { token: b.operatorToken })).statusCode, 200);
  },
  {
    health: new BackendHealth([
      {
        name: 'backend.db',
        check: 'quick_check',
        code: 'DATABASE_CORRUPT',
        detail: 'Tree 4 page 72: btreeInitPage() returns error code 11',
      },
    ]),
  },
);

backendTest('/metrics needs the operator token and counts requests by route template', async (_t, b) => {
  assert.equal(errorCode(await b.call('GET', '/metrics')), 'AUTH_REQUIRED');
  await b.call('GET', '/v1/devices/cam-1', { token: b.operatorToken });
  await b.call('GET', '/v1/devices/cam-2', { token: b.operatorToken });
  await b.call('GET', '/v1/me');
  const res = await b.call('GET', '/metrics', { token: b.operatorToken });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain/);
  assert.match(
    res.body,
    /camlink_backend_http_requests_total\{method="GET",route="\/v1\/devices\/:id",status="404"\} 2/,
  );
  assert.match(
    res.body,
    /camlink_backend_http_requests_total\{method="GET",route="\/v1\/me",status="401"\} 1/,
  );
  assert.match(res.body, /camlink_backend_http_request_duration_seconds_bucket/);
  assert.ok(!res.body.includes('cam-1'), 'ids never become label values');
});

backendTest('/docs serves the OpenAPI document with every /v1 route and its body schema', async (_t, b) => {
  const docs = await b.call('GET', '/docs');
  const json = await b.call('GET', '/docs/openapi.json');
  assert.equal(docs.statusCode, 200);
  assert.deepEqual(docs.json(), json.json());
  const doc = json.json<{
    openapi: string;
    paths: Record<string, Record<string, { security?: unknown[]; requestBody?: unknown }>>;
  }>();
  assert.match(doc.openapi, /^3\./);
  for (const path of ['/v1/users', '/v1/users/{id}/tokens', '/v1/me', '/v1/devices', '/v1/devices/{id}']) {
    assert.ok(doc.paths[path], `${path} is documented`);
  }
  assert.deepEqual(doc.paths['/v1/me']?.get?.security, [{ bearer: [] }]);
  assert.deepEqual(doc.paths['/healthz']?.get?.security, []);
  const body = JSON.stringify(doc.paths['/v1/users']?.post?.requestBody);
  assert.match(body, /"additionalProperties":false/);
  assert.match(body, /"required":\["name"\]/);
  assert.equal(doc.paths['/docs'], undefined);
});
