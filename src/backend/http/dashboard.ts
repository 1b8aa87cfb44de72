/**
 * The web dashboard (web/, built by `npm run build:web` into web/dist) served at `/` without another
 * dependency: index.html for `/` and the client routes (`/devices/...`), hashed assets under `/assets/`
 * with long cache lifetimes. Files are read with node:fs after a strict check that the resolved path
 * stays inside the build directory. Without a build, `/` answers 503 saying how to make one.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { CamlinkError } from '../../errors/camlink-error.js';

/** web/dist of this checkout. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../../web/dist', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Asset names: vite's hashed file names, no hidden files, no parent segments. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * The page's policy: its own scripts only; API calls to itself, images, HLS playlists and segments from
 * the object store and the video service (other https origins, pre-signed); MSE video from blob: URLs.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self' https:",
  "img-src 'self' https: blob: data:",
  "media-src 'self' blob: https:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const NOT_BUILT =
  'The web dashboard is not built. Run `npm run build:web` (it also runs on `npm install` / `npm ci`).\n';

export function dashboardRoutes(app: FastifyInstance, dir: string = DEFAULT_DASHBOARD_DIR): void {
  const root = resolve(dir);
  const assets = join(root, 'assets');

  const sendIndex = async (reply: FastifyReply) => {
    let html: Buffer;
    try {
      html = await readFile(join(root, 'index.html'));
    } catch {
      // The same security headers as the page: whatever `/` answers is never framed or sniffed.
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('content-security-policy', DASHBOARD_CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .send(NOT_BUILT);
    }
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', DASHBOARD_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(html);
  };

  const hidden = { schema: { hide: true } };
  app.get('/', hidden, (_request, reply) => sendIndex(reply));
  app.get('/devices', hidden, (_request, reply) => sendIndex(reply));
  app.get('/devices/*', hidden, (_request, reply) => sendIndex(reply));
  app.get('/assets/*', hidden, async (request, reply) => {
    const name = (request.params as Record<string, string | undefined>)['*'] ?? '';
    const path = resolve(assets, name);
    const type = CONTENT_TYPES[extname(name).toLowerCase()];
    if (!ASSET_NAME.test(name) || !path.startsWith(assets + sep) || type === undefined) {
      throw new CamlinkError('NOT_FOUND', `no asset ${name}`);
    }
    let body: Buffer;
    try {
      if (!(await stat(path)).isFile()) throw new Error('not a file');
      body = await readFile(path);
    } catch {
      throw new CamlinkError('NOT_FOUND', `no asset ${name}`);
    }
    return reply
      .type(type)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(body);
  });
}
