/**
 * The web dashboard in a real browser (Debian's chromium driven by playwright-core) against the whole
 * platform: a user signs in with their token, opens their camera's page, the camera uploads a photo and
 * it appears in the gallery without a reload (the page reads /v1/events), then the camera streams video
 * and the page's <video> plays it (hls.js on the LIVE session URL of the video service). In a second
 * tab the operator watches another camera's presence badge flip online and offline as it connects and
 * disconnects, issues an upload URL in the UI whose PUT (by the test) makes the picture appear, and
 * pages the upload timeline past 50 with "Load more"; the operator's fleet page shows the dead-letter
 * count (empty, then one forced there) with the redrive command. Both tabs pass basic accessibility checks (every
 * form field labelled, every button named).
 *
 * TLS: the browser trusts exactly the platform's server keys (--ignore-certificate-errors-spki-list with
 * the SHA-256 of each endpoint's public key), not every certificate (ignoreHTTPSErrors).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import mqtt from 'mqtt';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { BackendClient } from '../../src/app/backend-client.js';
import { CameraLink } from '../../src/app/camera-link.js';
import { uploadThroughCamera } from '../../src/app/upload-flow.js';
import { streamToKvs } from '../../src/device/video/stream.js';
import { appWorld } from '../helpers/app-world.js';
import { sdkOptions } from '../helpers/aws.js';
import { announceUpload } from '../helpers/backend-devices.js';
import { rawRequest } from '../helpers/https.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

const CHROMIUM = process.env['CAMLINK_TEST_CHROMIUM'] ?? '/usr/bin/chromium';
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const SCREENSHOT = fileURLToPath(new URL('../../docs/dashboard.png', import.meta.url));

/**
 * The few page globals the assertions read. The tests are type-checked without the DOM library, and
 * the page's CSP (no 'unsafe-eval') rules out string predicates, so functions cast globalThis to this.
 */
interface A11yElement {
  tagName: string;
  type?: string;
  id: string;
  textContent: string | null;
  labels?: ArrayLike<unknown> | null;
  getAttribute(name: string): string | null;
}

interface PageGlobals {
  innerWidth: number;
  document: {
    querySelectorAll(selector: string): ArrayLike<A11yElement>;
    images: ArrayLike<{ alt: string; complete: boolean; naturalWidth: number }>;
    documentElement: { scrollWidth: number };
    querySelector(selector: 'video'): { currentTime: number } | null;
  };
}

/**
 * Axe-like basics: form fields without a label (a <label for>, aria-label or aria-labelledby) and
 * buttons without a name. Returns the offenders; an accessible page returns [].
 */
function unlabelled(page: Page): Promise<string[]> {
  // No named helpers inside: tsx would wrap them in __name(), which the page does not have.
  return page.evaluate(() => {
    const doc = (globalThis as unknown as PageGlobals).document;
    const bad: string[] = [];
    for (const el of Array.from(doc.querySelectorAll('input, select, textarea, button'))) {
      if (el.type === 'hidden') continue;
      const ariaNamed =
        (el.getAttribute('aria-label') ?? '').trim() !== '' || el.getAttribute('aria-labelledby') !== null;
      const ok =
        el.tagName === 'BUTTON' ? (el.textContent ?? '').trim() !== '' : (el.labels?.length ?? 0) > 0;
      if (!ok && !ariaNamed) bad.push(`${el.tagName}#${el.id}`);
    }
    return bad;
  });
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

test('the dashboard: sign in, a new photo appears live, live video plays; operator: presence, upload URL, paging', async (t) => {
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
  // The operator's camera: unpaired, never connected until the test connects it.
  const camB = await world.provision('cam-b');
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
  // The fleet card: the camera is connected (presence from the lifecycle events) and its certificate
  // is ACTIVE with an expiry date.
  const card = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: 'cam-web' }) });
  await card.locator('[data-presence="online"]').waitFor();
  await card
    .locator('[data-certificate-status="ACTIVE"]')
    .getByText(/expires/)
    .waitFor();
  assert.deepEqual(await unlabelled(page), []);
  await page.getByRole('link', { name: 'cam-web' }).click();
  await page.getByRole('heading', { name: 'cam-web', level: 1 }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/devices/cam-web');
  await page.getByText('No photos yet').waitFor();
  await page.getByText('Live: new uploads appear').waitFor();
  await page.getByText('No live video from this camera right now').waitFor();
  await page.locator('.device-meta [data-presence="online"]').waitFor();
  // A user's page has no operator actions.
  assert.equal(await page.getByRole('heading', { name: 'Operator actions' }).count(), 0);

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
    kvsCa: world.ca,
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

  // The operator, in a tab of their own.
  const operatorToken = (await readFile(platform.operatorTokenFile, 'utf8')).trim();
  const opContext = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const op = await opContext.newPage();
  const opProblems: string[] = [];
  op.on('pageerror', (err) => opProblems.push(err.message));
  op.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) opProblems.push(m.text());
  });
  await op.goto(e.api);
  await op.getByLabel('Access token').fill(operatorToken);
  await op.getByRole('button', { name: 'Sign in' }).click();
  await op.getByRole('heading', { name: 'All cameras' }).waitFor();
  // The dead-letter panel: empty; a notification forced into the dead-letter queue shows, with the
  // command that moves it back.
  const deadLetters = op.getByRole('region', { name: 'Dead-letter queue' });
  await deadLetters.getByText(/^No dead letters/).waitFor();
  const sqs = new SQSClient(sdkOptions(e.sqs, world.ca, e.credentials));
  t.after(() => sqs.destroy());
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: e.uploadQueueUrl.replace(/camlink-uploads$/, 'camlink-uploads-dlq'),
      MessageBody: '{"forced":"into the dead-letter queue"}',
    }),
  );
  await op.reload();
  await deadLetters.getByText(/^1 upload notification in camlink-uploads-dlq/).waitFor();
  await deadLetters.locator('code', { hasText: 'camlink queue redrive' }).waitFor();
  const cardB = op
    .getByRole('listitem')
    .filter({ has: op.getByRole('link', { name: 'cam-b', exact: true }) });
  await cardB.locator('[data-presence="unknown"]').waitFor();
  await cardB.locator('[data-certificate-status="ACTIVE"]').waitFor();

  // Presence flips live: the camera connects (and stays until the end, where it disconnects).
  const mqttB = await mqtt.connectAsync(e.mqtt, {
    clientId: camB.deviceId,
    key: camB.keyPem,
    cert: camB.certificatePem,
    ca: world.ca,
    servername: 'localhost',
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  t.after(() => mqttB.endAsync(true));
  await cardB.locator('[data-presence="online"]').waitFor();

  // The operator issues an upload URL in the UI; a PUT to it and the camera's announcement make the
  // picture appear in the gallery without a reload.
  await op.getByRole('link', { name: 'cam-b', exact: true }).click();
  await op.getByRole('heading', { name: 'Operator actions' }).waitFor();
  await op.getByText('Not paired.').waitFor();
  await op.getByText('No photos yet').waitFor();
  await op.getByText('Live: new uploads appear').waitFor();
  await op.getByLabel('Content type').fill('image/jpeg');
  const issuedResponse = op.waitForResponse(
    (r) => r.request().method() === 'POST' && r.url().endsWith('/v1/devices/cam-b/uploads'),
  );
  await op.getByRole('button', { name: 'Issue upload URL' }).click();
  const issued = (await (await issuedResponse).json()) as {
    uploadId: string;
    bucket: string;
    key: string;
    url: string;
    put: { url: string; headers: Record<string, string>; expiresAt: string };
  };
  const shownUrl = op.getByLabel('Upload URL');
  await shownUrl.waitFor();
  assert.equal(await shownUrl.inputValue(), issued.put.url);
  await op.getByText(`upload ${issued.uploadId}`).waitFor();
  await opContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: e.api });
  await op.getByRole('button', { name: 'Copy upload URL' }).click();
  await op.getByRole('status').getByText('Upload URL copied.').waitFor();
  assert.deepEqual(await unlabelled(op), []);
  const picture = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#2a7' } })
    .jpeg()
    .toBuffer();
  const put = await rawRequest(world.httpsAgent, await shownUrl.inputValue(), {
    method: 'PUT',
    headers: issued.put.headers,
    body: picture,
  });
  assert.equal(put.status, 200, put.body.toString());
  await announceUpload(mqttB, camB.deviceId, issued, picture);
  await op.getByRole('img', { name: new RegExp(`^Photo ${issued.uploadId} `) }).waitFor();
  await op.waitForFunction(
    (alt) =>
      Array.from((globalThis as unknown as PageGlobals).document.images).some(
        (i) => i.alt.startsWith(alt) && i.complete && i.naturalWidth > 0,
      ),
    `Photo ${issued.uploadId} `,
  );

  // Paging: 55 more uploads (pending: URLs issued, nothing PUT); the timeline shows the newest 50,
  // "Load more uploads" the rest, down to the photo above (the oldest, item 56).
  for (let n = 0; n < 55; n++) {
    const res = await rawRequest(world.httpsAgent, `${e.api}/v1/devices/cam-b/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ contentType: 'image/jpeg' }),
    });
    assert.equal(res.status, 201, res.body.toString());
  }
  await op.reload();
  const timeline = op.getByRole('list', { name: 'Uploads, newest first' }).getByRole('listitem');
  await op.getByRole('button', { name: 'Load more uploads' }).waitFor();
  assert.equal(await timeline.count(), 50);
  assert.equal(await timeline.filter({ hasText: 'uploaded' }).count(), 0);
  await op.getByRole('button', { name: 'Load more uploads' }).click();
  await timeline.nth(55).waitFor();
  assert.equal(await timeline.count(), 56);
  assert.equal(await timeline.nth(55).getAttribute('data-upload-id'), issued.uploadId);
  assert.equal(await op.getByRole('button', { name: 'Load more uploads' }).count(), 0);
  assert.deepEqual(await unlabelled(op), []);

  // The camera disconnects: the device page's badge goes offline without a reload.
  await op.locator('.device-meta [data-presence="online"]').waitFor();
  await mqttB.endAsync();
  await op.locator('.device-meta [data-presence="offline"]').waitFor();
  assert.deepEqual(opProblems, []);
});
