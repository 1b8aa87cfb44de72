/**
 * Storage trust = the default store + an extra CA: real TLS handshakes against peers whose certificates
 * come from different CAs. NODE_EXTRA_CA_CERTS is passed as the `env` argument here (Node reads the
 * real one once at startup); test/cli/camera-trust.test.ts checks it in a child process.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import tls from 'node:tls';
import { testPki } from '../../test/helpers/pki.js';
import { initCa } from '../pki/ca.js';
import { issueServerCert } from '../pki/server-cert.js';
import { defaultTrustPlus, pemCertificates, storageAgent } from './trust.js';

/** A CA of its own and an HTTPS peer on 127.0.0.1 with a certificate from it. */
async function peerWithOwnCa(t: TestContext) {
  const { ctx, dataDir } = await testPki(t);
  await initCa(ctx, { force: false });
  const cert = await issueServerCert(ctx, dataDir, { name: 'peer', sans: ['127.0.0.1'] });
  const server = https.createServer(
    { key: await readFile(cert.keyPath), cert: await readFile(cert.certPath) },
    (_req, res) => res.end('ok'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    caPath: ctx.store.caCertPath,
    ca: await readFile(ctx.store.caCertPath),
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    dataDir,
  };
}

function get(url: string, agent: https.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { agent }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
}

test('pemCertificates splits a bundle; without an extra CA the ca option is left out', async (t) => {
  const a = await peerWithOwnCa(t);
  const b = await peerWithOwnCa(t);
  const bundle = `junk\n${a.ca.toString()}\n# comment\n${b.ca.toString()}`;
  assert.equal(pemCertificates(bundle).length, 2);
  assert.equal(defaultTrustPlus(undefined), undefined);
  const extraFile = join(a.dataDir, 'extra.pem');
  await writeFile(extraFile, b.ca);
  const list = defaultTrustPlus(a.ca, { NODE_EXTRA_CA_CERTS: extraFile }) ?? [];
  // The bundled roots, then NODE_EXTRA_CA_CERTS, then the extra CA.
  assert.ok(list.length >= tls.rootCertificates.length + 2);
  assert.equal(list.at(-1), pemCertificates(a.ca.toString())[0]);
  assert.equal(list.at(-2), pemCertificates(b.ca.toString())[0]);
  // An unreadable NODE_EXTRA_CA_CERTS is ignored, as Node ignores it.
  const without = defaultTrustPlus(a.ca, { NODE_EXTRA_CA_CERTS: join(a.dataDir, 'none.pem') }) ?? [];
  assert.equal(without.length, list.length - 1);
});

test('storage agent: the extra CA and the default store (NODE_EXTRA_CA_CERTS) both count; others fail', async (t) => {
  const a = await peerWithOwnCa(t); // the "IoT" CA, given as the extra storage CA
  const b = await peerWithOwnCa(t); // a CA the process trusts as a system-like root
  const c = await peerWithOwnCa(t); // a CA nobody trusts
  const env = { NODE_EXTRA_CA_CERTS: b.caPath };
  const agent = storageAgent(a.ca, {}, env);
  t.after(() => agent.destroy());
  assert.equal(await get(a.url, agent), 'ok');
  assert.equal(await get(b.url, agent), 'ok');
  await assert.rejects(get(c.url, agent), /self[- ]signed|unable to (get|verify)/i);
  // `ca` alone (what the camera did before) replaces the default store: B fails.
  const replacing = new https.Agent({ ca: a.ca });
  t.after(() => replacing.destroy());
  await assert.rejects(get(b.url, replacing), /self[- ]signed|unable to (get|verify)/i);
  // No extra CA: the process's own default store, untouched (A is not in it).
  const plain = storageAgent(undefined, { keepAlive: false }, env);
  t.after(() => plain.destroy());
  await assert.rejects(get(a.url, plain), /self[- ]signed|unable to (get|verify)/i);
});
