/**
 * The camera's PUT against a real HTTPS peer that misbehaves on purpose: 5xx and resets are retried
 * while the URL is valid, 4xx is not, expiry ends the attempts; the bytes and their SHA-256 are exact.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { testPki } from '../../test/helpers/pki.js';
import { isCamlinkError } from '../errors/camlink-error.js';
import { initCa } from '../pki/ca.js';
import { issueServerCert } from '../pki/server-cert.js';
import { putFile } from './uploader.js';

type Answer = (body: Buffer) => number | 'reset';

async function peer(t: TestContext, answers: Answer[]) {
  const { ctx, dataDir } = await testPki(t);
  await initCa(ctx, { force: false });
  const cert = await issueServerCert(ctx, dataDir, { name: 'peer', sans: ['127.0.0.1'] });
  const received: Buffer[] = [];
  const server = https.createServer(
    { key: await readFile(cert.keyPath), cert: await readFile(cert.certPath) },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        received.push(body);
        const answer = answers[received.length - 1] ?? (() => 200);
        const status = answer(body);
        if (status === 'reset') req.socket.destroy();
        else res.writeHead(status, { etag: '"e"' }).end(status >= 400 ? '<Error><Code>X</Code></Error>' : '');
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const agent = new https.Agent({ ca: await readFile(ctx.store.caCertPath) });
  t.after(() => agent.destroy());
  const file = join(dataDir, 'pic.jpg');
  const bytes = Buffer.alloc(300_000, 7);
  await writeFile(file, bytes);
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/bucket/key`;
  return { agent, file, bytes, url, received };
}

const now = { now: () => new Date() };
const later = () => new Date(Date.now() + 600_000).toISOString();
const noWait = () => Promise.resolve();

test('5xx and a reset are retried; the bytes, progress and SHA-256 are exact', async (t) => {
  const p = await peer(t, [() => 503, () => 'reset', () => 200]);
  const progress: number[] = [];
  const result = await putFile({
    file: p.file,
    target: { url: p.url, headers: { 'content-type': 'image/jpeg' }, expiresAt: later() },
    agent: p.agent,
    clock: now,
    sleep: noWait,
    onProgress: (sent, total) => progress.push(sent / total),
  });
  assert.equal(result.attempts, 3);
  assert.equal(result.size, p.bytes.length);
  assert.equal(result.sha256, createHash('sha256').update(p.bytes).digest('hex'));
  assert.ok(p.received[2]?.equals(p.bytes));
  assert.equal(progress[progress.length - 1], 1);
});

test('4xx is not retried; expiry and exhausted attempts end with coded errors', async (t) => {
  const refused = await peer(t, [() => 403]);
  await assert.rejects(
    putFile({
      file: refused.file,
      target: { url: refused.url, headers: {}, expiresAt: later() },
      agent: refused.agent,
      clock: now,
      sleep: noWait,
    }),
    (err) => isCamlinkError(err, 'DEVICE_UPLOAD_REFUSED'),
  );
  assert.equal(refused.received.length, 1);

  const down = await peer(t, [() => 500, () => 500, () => 500]);
  await assert.rejects(
    putFile({
      file: down.file,
      target: { url: down.url, headers: {}, expiresAt: later() },
      agent: down.agent,
      clock: now,
      sleep: noWait,
      maxAttempts: 3,
    }),
    (err) => isCamlinkError(err, 'DEVICE_UPLOAD_FAILED') && /500/.test(err.message),
  );
  assert.equal(down.received.length, 3);

  const expired = await peer(t, []);
  await assert.rejects(
    putFile({
      file: expired.file,
      target: { url: expired.url, headers: {}, expiresAt: new Date(Date.now() - 1000) },
      agent: expired.agent,
      clock: now,
      sleep: noWait,
    }),
    (err) => isCamlinkError(err, 'DEVICE_UPLOAD_FAILED') && /expired/.test(err.message),
  );
  assert.equal(expired.received.length, 0, 'an expired URL is not even tried');
});
