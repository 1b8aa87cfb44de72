/** The dashboard's static files: index for client routes, cached assets, no way out of the build dir. */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { tempDir } from '../../../test/helpers/tmp.js';
import { dashboardRoutes } from './dashboard.js';
import { installErrorHandling } from './errors.js';

async function appFor(dir: string): Promise<FastifyInstance> {
  const app = Fastify();
  installErrorHandling(app);
  dashboardRoutes(app, dir);
  await app.ready();
  return app;
}

test('serves index.html for / and client routes, assets by extension with long caching', async (t) => {
  const dir = await tempDir(t);
  const dist = join(dir, 'dist');
  await mkdir(join(dist, 'assets'), { recursive: true });
  await writeFile(join(dist, 'index.html'), '<!doctype html><title>x</title>');
  await writeFile(join(dist, 'assets', 'index-abc.js'), 'console.log(1)');
  await writeFile(join(dist, 'assets', 'index-abc.css'), 'body{}');
  await writeFile(join(dir, 'secret.js'), 'secret');
  await writeFile(join(dist, 'assets', 'notes.exe'), 'x');
  const app = await appFor(dist);
  t.after(() => app.close());

  for (const url of ['/', '/devices/cam-1', '/devices']) {
    const res = await app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 200, url);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.match(String(res.headers['content-security-policy']), /script-src 'self';/);
    assert.match(String(res.headers['content-security-policy']), /media-src 'self' blob: https:/);
    assert.equal(res.body, '<!doctype html><title>x</title>');
  }
  const js = await app.inject({ method: 'GET', url: '/assets/index-abc.js' });
  assert.equal(js.statusCode, 200);
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
  const css = await app.inject({ method: 'GET', url: '/assets/index-abc.css' });
  assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');

  for (const url of [
    '/assets/../../secret.js',
    '/assets/..%2f..%2fsecret.js',
    '/assets/%2e%2e/%2e%2e/secret.js',
    '/assets/sub/index-abc.js',
    '/assets/index-abc.js%00.html',
    '/assets/.hidden.js',
    '/assets/missing.js',
    '/assets/notes.exe',
    '/assets/',
    '/other',
  ]) {
    const res = await app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 404, url);
    assert.equal(res.json<{ error: { code: string } }>().error.code, 'NOT_FOUND', url);
  }
});

test('without a build, / answers 503 naming npm run build:web', async (t) => {
  const app = await appFor(join(await tempDir(t), 'dist'));
  t.after(() => app.close());
  for (const url of ['/', '/devices/cam-1']) {
    const res = await app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 503);
    assert.match(res.body, /npm run build:web/);
  }
});
