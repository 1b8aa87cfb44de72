/**
 * The web dashboard in a real browser (Debian's chromium driven by playwright-core) against the whole
 * platform: a user signs in with their token, opens their camera's page, the camera uploads a photo and
 * it appears in the gallery without a reload (the page reads /v1/events), then the camera streams video
 * and the page's <video> plays it (hls.js on the LIVE session URL of the video service).
 *
 * TLS: the browser trusts exactly the platform's server keys (--ignore-certificate-errors-spki-list with
 * the SHA-256 of each endpoint's public key), not every certificate (ignoreHTTPSErrors).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { BackendClient } from '../../src/app/backend-client.js';
import { CameraLink } from '../../src/app/camera-link.js';
import { uploadThroughCamera } from '../../src/app/upload-flow.js';
import { streamToKvs } from '../../src/device/video/stream.js';
import { appWorld } from '../helpers/app-world.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

const CHROMIUM = process.env['CAMLINK_TEST_CHROMIUM'] ?? '/usr/bin/chromium';
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const SCREENSHOT = fileURLToPath(new URL('../../docs/dashboard.png', import.meta.url));

/**
 * The few page globals the assertions read. The tests are type-checked without the DOM library, and
 * the page's CSP (no 'unsafe-eval') rules out string predicates, so functions cast globalThis to this.
 */
interface PageGlobals {
  innerWidth: number;
  document: {
    images: ArrayLike<{ alt: string; complete: boolean; naturalWidth: number }>;
    documentElement: { scrollWidth: number };
    querySelector(selector: 'video'): { currentTime: number } | null;
  };
}

/** base64 SHA-256 of the SubjectPublicKeyInfo of the certificate an https origin presents. */
function spkiHash(origin: string, ca: Buffer): Promise<string> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host: url.hostname, port: Number(url.port), ca, servername: undefined, rejectUnauthorized: false },
      () => {
        const cert = socket.getPeerX509Certificate();
        socket.end();
        if (cert === undefined) return reject(new Error(`${origin} presented no certificate`));
        const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
        resolve(createHash('sha256').update(spki).digest('base64'));
      },
    );
    socket.on('error', reject);
  });
}

test('the dashboard: sign in, a new photo appears live, live video plays', async (t) => {
  assert.ok(
    existsSync(CHROMIUM),
    `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium; .ci/run does) ` +
      'or point CAMLINK_TEST_CHROMIUM at a Chromium binary',
  );
  assert.ok(existsSync(DIST_INDEX), 'web/dist is missing: run `npm run build:web` (npm install/ci runs it)');

  const dir = await tempDir(t);
  const { platform } = await startTestPlatform(t, join(dir, 'platform'), {
    extra: { backend: { reconciler: { waitTimeSeconds: 1 } } },
  });
  const world = await appWorld(t, platform);
  const e = platform.endpoints;
  const cam = await world.provision('cam-web');
  const camera = await world.startCamera(cam, join(dir, 'camera'));
  // Alice: her token is what she types into the dashboard; the app client pairs and uploads.
  const { token } = await world.operator.createUser('Alice');
  const alice = new BackendClient({ baseUrl: e.api, token: token.token, ca: world.ca });
  t.after(() => alice.close());
  const link = await CameraLink.connect('127.0.0.1', camera.responder.port);
  t.after(() => link.close());
  await link.pair(alice);

  const origins = [e.api, e.s3, e.kvs ?? ''];
  const spki = [...new Set(await Promise.all(origins.map((o) => spkiHash(o, world.ca))))];
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      `--ignore-certificate-errors-spki-list=${spki.join(',')}`,
    ],
  });
  t.after(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  // Refused requests are checked below by URL; every other console error is a problem.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  const failed: string[] = [];
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });

  // Signing in: a wrong token is refused with a message, the right one opens the fleet.
  const response = await page.goto(e.api);
  assert.equal(response?.status(), 200);
  assert.match(response?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
  await page.getByLabel('Access token').fill('clk_not-a-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').getByText('That token was not accepted').waitFor();
  await page.getByLabel('Access token').fill(token.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Your cameras' }).waitFor();
  await page.getByRole('link', { name: 'cam-web' }).click();
  await page.getByRole('heading', { name: 'cam-web', level: 1 }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/devices/cam-web');
  await page.getByText('No photos yet').waitFor();
  await page.getByText('Live: new uploads appear').waitFor();
  await page.getByText('No live video from this camera right now').waitFor();

  // A photo through the camera: it appears without a reload.
  const uploaded = await uploadThroughCamera(alice, link);
  const image = page.getByRole('img', { name: new RegExp(`^Photo ${uploaded.upload.uploadId} `) });
  await image.waitFor();
  // The photo has loaded from the object store (decoded pixels), not just been inserted.
  await page.waitForFunction(
    (alt) =>
      Array.from((globalThis as unknown as PageGlobals).document.images).some(
        (i) => i.alt.startsWith(alt) && i.complete && i.naturalWidth > 0,
      ),
    `Photo ${uploaded.upload.uploadId} `,
  );
  assert.equal(await page.getByText('uploaded', { exact: true }).count(), 1);

  // Live video: the camera streams in real time until the page has played a second of it.
  const stop = new AbortController();
  const streaming = streamToKvs({
    deviceId: cam.deviceId,
    certificatePem: cam.certificatePem,
    keyPem: cam.keyPem,
    ca: world.ca,
    credentialsUrl: e.iotCredentials ?? '',
    region: e.region,
    kvsEndpoint: e.kvs ?? '',
    durationSeconds: 60,
    realtime: true,
    signal: stop.signal,
  });
  t.after(() => stop.abort());
  const video = page.getByLabel('Live video from cam-web');
  await video.waitFor({ timeout: 30_000 });
  await page.waitForFunction(
    () => ((globalThis as unknown as PageGlobals).document.querySelector('video')?.currentTime ?? 0) > 1,
    undefined,
    {
      timeout: 30_000,
    },
  );

  if (process.env['UPDATE_SCREENSHOT'] === '1') {
    await page.setViewportSize({ width: 1100, height: 820 });
    await page.screenshot({ path: SCREENSHOT });
  }
  // Phone width: one column, nothing wider than the screen.
  await page.setViewportSize({ width: 375, height: 800 });
  assert.ok(
    await page.evaluate(() => {
      const page = globalThis as unknown as PageGlobals;
      return page.document.documentElement.scrollWidth <= page.innerWidth;
    }),
  );

  stop.abort();
  await streaming.catch(() => undefined);
  assert.deepEqual(problems, []);
  // The only refused requests: the wrong token, and LIVE video before the camera streamed.
  assert.deepEqual(
    [...new Set(failed.map((f) => f.replace(e.api, '')))],
    ['401 GET /v1/me', '404 GET /v1/devices/cam-web/video/hls?mode=LIVE'],
  );
});
