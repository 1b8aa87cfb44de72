/**
 * Trust per endpoint (D4), in `camlink camera` as a separate process: MQTT trusts the IoT CA "A" (the
 * platform CA of endpoints.json) only, while storage presents a certificate from another CA "B" that
 * the process trusts as a system-like root (NODE_EXTRA_CA_CERTS=B), like Tencent COS, whose
 * certificates are not under Amazon Root CA 1. The PUT to B must succeed; a storage certificate from a
 * CA "C" nobody trusts must still fail.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { sampleJpeg } from '../../src/device/sample-images.js';
import { initCa } from '../../src/pki/ca.js';
import { issueServerCert } from '../../src/pki/server-cert.js';
import { EventCode, OperationCode } from '../../src/ptp/codes.js';
import { PtpIpInitiator } from '../../src/ptp/initiator.js';
import { appWorld } from '../helpers/app-world.js';
import { CAMLINK_BIN } from '../helpers/cli.js';
import { testPki } from '../helpers/pki.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

/** A "storage" peer on 127.0.0.1 with a certificate from a CA of its own; records what is PUT. */
async function storagePeer(t: TestContext) {
  const { ctx, dataDir } = await testPki(t);
  await initCa(ctx, { force: false });
  const cert = await issueServerCert(ctx, dataDir, { name: 'storage', sans: ['127.0.0.1'] });
  const received: Buffer[] = [];
  const server = https.createServer(
    { key: await readFile(cert.keyPath), cert: await readFile(cert.certPath) },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(Buffer.concat(chunks));
        res.writeHead(200, { etag: '"e"' }).end();
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    caPath: ctx.store.caCertPath,
    base: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
  };
}

test('camlink camera: MQTT trusts the IoT CA only, storage the default store (NODE_EXTRA_CA_CERTS) plus the extra CA', async (t) => {
  const dir = await tempDir(t);
  const { platform } = await startTestPlatform(t, join(dir, 'platform'));
  const world = await appWorld(t, platform);
  const cam = await world.provision('cam-trust');
  await writeFile(join(dir, 'cam.cert.pem'), cam.certificatePem);
  await writeFile(join(dir, 'cam.key.pem'), cam.keyPem, { mode: 0o600 });
  const images = join(dir, 'images');
  await mkdir(images);
  const picture = sampleJpeg('to a store under another CA');
  await writeFile(join(images, 'IMG_0001.JPG'), picture);
  const b = await storagePeer(t); // trusted as a system-like root
  const c = await storagePeer(t); // trusted by nobody

  const child = spawn(
    process.execPath,
    [
      CAMLINK_BIN,
      'camera',
      ...['--device-id', 'cam-trust', '--cert', join(dir, 'cam.cert.pem'), '--key', join(dir, 'cam.key.pem')],
      ...['--endpoints', platform.endpointsPath, '--ptpip-port', '0', '--images', images],
      ...['--log-level', 'warn'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: b.caPath } },
  );
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const found = /PTP\/IP 127\.0\.0\.1:(\d+)/.exec(stdout)?.[1];
      if (found) resolve(Number(found));
    });
    child.once('exit', (code) => reject(new Error(`camlink camera exited ${code}: ${stdout}${stderr}`)));
  });

  const ptp = await PtpIpInitiator.connect('127.0.0.1', port);
  t.after(() => ptp.close());
  await ptp.openSession();
  const handle = (
    await ptp.transaction(OperationCode.GetObjectHandles, [0x00010001, 0, 2])
  ).data.readUInt32LE(4);
  const upload = async (base: string, uploadId: string) => {
    const target = {
      uploadId,
      bucket: 'media',
      key: `devices/cam-trust/${uploadId}.jpg`,
      url: `${base}/media/devices/cam-trust/${uploadId}.jpg`,
      put: {
        url: `${base}/media/devices/cam-trust/${uploadId}.jpg?X-Amz-Signature=test`,
        headers: { 'content-type': 'image/jpeg' },
        expiresAt: new Date(Date.now() + 10 * 60_000).toISOString(),
      },
    };
    await ptp.transaction(OperationCode.CamlinkSetUploadTarget, [], Buffer.from(JSON.stringify(target)));
    const outcome = Promise.race([
      ptp.nextEvent(EventCode.CamlinkUploadComplete).then(() => 'complete' as const),
      ptp.nextEvent(EventCode.CamlinkUploadFailed).then(() => 'failed' as const),
    ]);
    await ptp.transaction(OperationCode.CamlinkUploadObject, [handle]);
    return outcome;
  };

  // Storage under CA B: trusted through the default store, although MQTT's CA is A.
  assert.equal(await upload(b.base, 'trust-b'), 'complete', stderr);
  assert.deepEqual(b.received, [picture]);
  // Storage under CA C: in neither the default store nor the endpoints file.
  assert.equal(await upload(c.base, 'trust-c'), 'failed');
  assert.deepEqual(c.received, []);
  assert.match(stdout, /camera ready: cam-trust/);
});
