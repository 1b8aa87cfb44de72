/**
 * The CRL is one an endpoint honours: a node:tls server (OpenSSL underneath) built from the PKI's
 * material accepts a device certificate, refuses it once revoked, and refuses a foreign CA's device.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { initCa } from '../../src/pki/ca.js';
import { createDevice } from '../../src/pki/device.js';
import { revokeDevice } from '../../src/pki/crl.js';
import { issueServerCert } from '../../src/pki/server-cert.js';
import { loadTlsServerMaterial, mutualTlsOptions } from '../../src/pki/tls-material.js';
import { testPki } from '../helpers/pki.js';

type Outcome = { ok: true; peerCn: string } | { ok: false; error: string };

async function connect(port: number, ca: Buffer, cert: Buffer, key: Buffer): Promise<Outcome> {
  const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, cert, key });
  try {
    // With TLS 1.3 the server's verdict on the client certificate arrives after the client's handshake
    // completes, so wait for the server's first byte (sent only to authorized peers) or the close.
    const result = await Promise.race([
      once(socket, 'data').then((args) => ({ ok: true as const, peerCn: String(args[0]) })),
      once(socket, 'error').then((args) => ({ ok: false as const, error: String(args[0]) })),
      once(socket, 'close').then(() => ({ ok: false as const, error: 'closed' })),
    ]);
    return result;
  } finally {
    socket.destroy();
  }
}

test('a mutual-TLS endpoint accepts issued devices and refuses revoked and foreign ones', async (t) => {
  const { ctx, dataDir } = await testPki(t);
  await initCa(ctx, { force: false });
  await issueServerCert(ctx, dataDir, { name: 'endpoint', sans: ['localhost', '127.0.0.1'] });
  const devices = join(dataDir, 'devices');
  await createDevice(ctx, 'cam-good', { outDir: devices, force: false });
  await createDevice(ctx, 'cam-bad', { outDir: devices, force: false });

  const other = await testPki(t);
  await initCa(other.ctx, { force: false });
  await createDevice(other.ctx, 'cam-foreign', { outDir: join(other.dataDir, 'devices'), force: false });

  const server = tls.createServer(
    mutualTlsOptions(await loadTlsServerMaterial(dataDir, ctx.store)),
    (socket) => {
      const cn = socket.getPeerCertificate().subject?.CN;
      socket.end(typeof cn === 'string' ? cn : '?');
    },
  );
  server.on('tlsClientError', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;
  const ca = await readFile(ctx.store.caCertPath);
  const files = async (dir: string, id: string) =>
    [await readFile(join(dir, `${id}.cert.pem`)), await readFile(join(dir, `${id}.key.pem`))] as const;

  const [goodCert, goodKey] = await files(devices, 'cam-good');
  const [badCert, badKey] = await files(devices, 'cam-bad');
  const [foreignCert, foreignKey] = await files(join(other.dataDir, 'devices'), 'cam-foreign');

  assert.deepEqual(await connect(port, ca, goodCert, goodKey), { ok: true, peerCn: 'cam-good' });
  assert.deepEqual(await connect(port, ca, badCert, badKey), { ok: true, peerCn: 'cam-bad' });
  assert.equal((await connect(port, ca, foreignCert, foreignKey)).ok, false);

  await revokeDevice(ctx, 'cam-bad', { reason: 'keyCompromise' });
  server.setSecureContext(mutualTlsOptions(await loadTlsServerMaterial(dataDir, ctx.store)));

  assert.equal((await connect(port, ca, badCert, badKey)).ok, false, 'revoked device refused');
  assert.deepEqual(await connect(port, ca, goodCert, goodKey), { ok: true, peerCn: 'cam-good' });
});
