import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, stat, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isCamlinkError } from '../errors/camlink-error.js';
import { initCa, loadCa } from './ca.js';
import { createDevice, signDeviceCsr } from './device.js';
import { revokeDevice, refreshCrl } from './crl.js';
import { issueServerCert, parseSans } from './server-cert.js';
import { createVerificationCert } from './verification.js';
import { x509 } from './x509.js';
import { makeCsr, testPki } from '../../test/helpers/pki.js';

test('ca init writes a CA certificate, a 0600 key and an empty CRL, and refuses to overwrite', async (t) => {
  const { ctx } = await testPki(t);
  const result = await initCa(ctx, { force: false });
  assert.equal((await stat(result.keyPath)).mode & 0o777, 0o600);
  const cert = new x509.X509Certificate(await readFile(result.certPath, 'utf8'));
  assert.ok(await cert.isSelfSigned());
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  assert.equal(bc?.ca, true);
  assert.match(result.certificateId, /^[0-9a-f]{64}$/);
  const crl = new x509.X509Crl(await readFile(result.crlPath, 'utf8'));
  assert.equal(crl.entries.length, 0);
  await assert.rejects(initCa(ctx, { force: false }), (err) => isCamlinkError(err, 'PKI_CA_EXISTS'));
});

test('ca init --force archives the previous CA instead of deleting it', async (t) => {
  const { ctx, clock } = await testPki(t);
  const first = await initCa(ctx, { force: false });
  const firstPem = await readFile(first.certPath, 'utf8');
  await createDevice(ctx, 'cam-1', { outDir: join(ctx.store.dir, '..', 'devices'), force: false });
  clock.advanceDays(1);
  const second = await initCa(ctx, { force: true });
  assert.ok(second.archivedTo);
  assert.equal(await readFile(join(second.archivedTo, 'ca.cert.pem'), 'utf8'), firstPem);
  assert.ok((await readdir(join(second.archivedTo, 'issued'))).length === 1);
  assert.notEqual(await readFile(second.certPath, 'utf8'), firstPem);
  assert.equal((await ctx.store.certificates()).size, 1); // only the new CA is in the new index
});

test('rsa-2048 CAs sign with RSASSA-PKCS1-v1_5', async (t) => {
  const { ctx } = await testPki(t);
  await initCa(ctx, { force: false, keyAlgorithm: 'rsa-2048' });
  const ca = await loadCa(ctx);
  assert.equal(ca.signing.name, 'RSASSA-PKCS1-v1_5');
  const device = await createDevice(ctx, 'cam-rsa', { outDir: join(ctx.store.dir, 'd'), force: false });
  const cert = new x509.X509Certificate(await readFile(device.certPath, 'utf8'));
  assert.ok(await cert.verify({ publicKey: ca.cert.publicKey }));
});

test('operations before ca init fail with PKI_CA_NOT_FOUND', async (t) => {
  const { ctx } = await testPki(t);
  await assert.rejects(createDevice(ctx, 'cam-1', { outDir: ctx.store.dir, force: false }), (err) =>
    isCamlinkError(err, 'PKI_CA_NOT_FOUND'),
  );
});

test('device certificates: CN = id, clientAuth, unique serials, recorded in the index', async (t) => {
  const { ctx } = await testPki(t);
  const ca = (await initCa(ctx, { force: false }), await loadCa(ctx));
  const outDir = join(ctx.store.dir, '..', 'devices');
  const ids = Array.from({ length: 12 }, (_, i) => `cam-${i}`);
  const results = await Promise.all(ids.map((id) => createDevice(ctx, id, { outDir, force: false })));
  assert.equal(new Set(results.map((r) => r.serial)).size, ids.length);
  for (const r of results) {
    const cert = new x509.X509Certificate(await readFile(r.certPath, 'utf8'));
    assert.equal(cert.subjectName.getField('CN')[0], r.deviceId);
    assert.ok(await cert.verify({ publicKey: ca.cert.publicKey }));
    const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
    assert.deepEqual([...(eku?.usages ?? [])], [x509.ExtendedKeyUsage.clientAuth]);
    assert.equal((await stat(r.keyPath)).mode & 0o777, 0o600);
  }
  const index = await ctx.store.certificates();
  assert.equal([...index.values()].filter((c) => c.kind === 'device').length, ids.length);
  await assert.rejects(createDevice(ctx, 'cam-0', { outDir, force: false }), (err) =>
    isCamlinkError(err, 'FILE_EXISTS'),
  );
});

test('a serial collision from the random source is drawn again', async (t) => {
  let calls = 0;
  const fixed = new Uint8Array(16).fill(7);
  const random = (n: number) => {
    calls++;
    return calls <= 3 ? new Uint8Array(fixed) : new Uint8Array(n).fill(calls);
  };
  const { ctx } = await testPki(t, {}, random);
  await initCa(ctx, { force: false }); // draw 1
  const a = await createDevice(ctx, 'cam-a', { outDir: ctx.store.dir, force: false }); // draw 2 collides with CA? no: CA not "taken"
  const b = await createDevice(ctx, 'cam-b', { outDir: ctx.store.dir, force: false }); // draw 3 == a -> redraw
  assert.notEqual(a.serial, b.serial);
  assert.ok(calls >= 4);
});

test('validity past the CA expiry is refused, not clamped', async (t) => {
  const { ctx } = await testPki(t, { caValidityDays: 30, deviceValidityDays: 60 });
  await initCa(ctx, { force: false });
  await assert.rejects(createDevice(ctx, 'cam-1', { outDir: ctx.store.dir, force: false }), (err) =>
    isCamlinkError(err, 'PKI_VALIDITY_EXCEEDS_CA'),
  );
});

test('sign-csr certifies EC and RSA device keys after checking the signature and CN', async (t) => {
  const { ctx } = await testPki(t);
  await initCa(ctx, { force: false });
  const ca = await loadCa(ctx);
  for (const alg of [
    { name: 'ECDSA', namedCurve: 'P-256' },
    { name: 'ECDSA', namedCurve: 'P-384' },
    {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
  ] as const) {
    const issued = await signDeviceCsr(ctx, await makeCsr('CN=cam-csr', alg));
    assert.equal(issued.cert.subjectName.getField('CN')[0], 'cam-csr');
    assert.ok(await issued.cert.verify({ publicKey: ca.cert.publicKey }));
  }
});

test('sign-csr rejects bad signatures, bad CNs, bad keys and malformed input with codes', async (t) => {
  const { ctx } = await testPki(t, { deviceIdPattern: '^cam-[0-9]+$' });
  await initCa(ctx, { force: false });
  const good = await makeCsr('CN=cam-1');
  const der = Buffer.from(good.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  der[der.length - 5] = (der[der.length - 5] ?? 0) ^ 0xff; // inside the signature value
  const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
  const cases: [string, string][] = [
    [tampered, 'PKI_CSR_BAD_SIGNATURE'],
    [await makeCsr('CN=cam+1'), 'DEVICE_ID_INVALID'],
    [await makeCsr('CN=cam#'), 'DEVICE_ID_INVALID'],
    [await makeCsr('CN=cam/1'), 'DEVICE_ID_INVALID'],
    [await makeCsr(`CN=cam-${'1'.repeat(130)}`), 'DEVICE_ID_INVALID'],
    [await makeCsr('CN=other-1'), 'DEVICE_ID_INVALID'],
    [await makeCsr('O=camlink'), 'PKI_CSR_MALFORMED'],
    [await makeCsr('CN=cam-1, CN=cam-2'), 'PKI_CSR_MALFORMED'],
    [await makeCsr('CN=cam-1', { name: 'ECDSA', namedCurve: 'P-521' }), 'PKI_KEY_UNSUPPORTED'],
    ['not a pem at all', 'PKI_PEM_MALFORMED'],
    [good.replace('CERTIFICATE REQUEST', 'CERTIFICATE'), 'PKI_PEM_MALFORMED'],
    [good + good, 'PKI_PEM_MALFORMED'],
    [good.replace(/\n[A-Za-z0-9+/]{8}/, '\n!!!!!!!!'), 'PKI_PEM_MALFORMED'],
    ['-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n', 'PKI_CSR_MALFORMED'],
  ];
  for (const [pem, code] of cases) {
    await assert.rejects(
      signDeviceCsr(ctx, pem),
      (err) => isCamlinkError(err, code as never),
      `expected ${code}`,
    );
  }
  const issued = [...(await ctx.store.certificates()).values()].filter((c) => c.kind === 'device');
  assert.equal(issued.length, 0, 'no rejected CSR was certified');
});

test('revocation lists the serial in a new CRL; expired entries leave the CRL later', async (t) => {
  const { ctx, clock } = await testPki(t, { deviceValidityDays: 10 });
  await initCa(ctx, { force: false });
  const ca = await loadCa(ctx);
  const a = await createDevice(ctx, 'cam-a', { outDir: ctx.store.dir, force: false });
  await createDevice(ctx, 'cam-b', { outDir: ctx.store.dir, force: false });
  const result = await revokeDevice(ctx, 'cam-a', { reason: 'keyCompromise' });
  assert.deepEqual(result.revokedSerials, [a.serial]);
  assert.equal(result.crlNumber, 2);
  const crl = new x509.X509Crl(await readFile(result.crlPath, 'utf8'));
  assert.ok(await crl.verify({ publicKey: ca.cert.publicKey }));
  assert.deepEqual(
    crl.entries.map((e) => e.serialNumber.toLowerCase()),
    [a.serial],
  );
  assert.equal(crl.entries[0]?.reason, x509.X509CrlReason.keyCompromise);
  await assert.rejects(revokeDevice(ctx, 'cam-a', { reason: 'unspecified' }), (err) =>
    isCamlinkError(err, 'PKI_DEVICE_NOT_FOUND'),
  );
  await assert.rejects(revokeDevice(ctx, 'cam-zzz', { reason: 'unspecified' }), (err) =>
    isCamlinkError(err, 'PKI_DEVICE_NOT_FOUND'),
  );
  clock.advanceDays(11);
  const refreshed = await refreshCrl(ctx);
  assert.equal(refreshed.crlNumber, 3);
  assert.equal(refreshed.revokedCount, 0);
});

test('a torn last index line is ignored; a corrupt line is PKI_STORE_CORRUPT', async (t) => {
  const { ctx } = await testPki(t);
  await initCa(ctx, { force: false });
  await appendFile(ctx.store.indexPath, '{"event":"issued","serial":"ab');
  assert.equal((await ctx.store.certificates()).size, 1);
  await writeFile(ctx.store.indexPath, 'garbage\n');
  await assert.rejects(ctx.store.certificates(), (err) => isCamlinkError(err, 'PKI_STORE_CORRUPT'));
});

test("a dead process's lock is taken over", async (t) => {
  const { ctx } = await testPki(t);
  await initCa(ctx, { force: false });
  await writeFile(join(ctx.store.dir, '.lock'), '2147483646'); // no such pid
  const device = await createDevice(ctx, 'cam-1', { outDir: ctx.store.dir, force: false });
  assert.ok(device.serial);
});

test('server certificates carry the SANs and serverAuth; bad SANs are refused', async (t) => {
  const { ctx, dataDir } = await testPki(t);
  await initCa(ctx, { force: false });
  const result = await issueServerCert(ctx, dataDir, {
    name: 'endpoint',
    sans: ['localhost', '127.0.0.1', '::1'],
  });
  const chain = (await readFile(result.certPath, 'utf8')).match(
    /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g,
  );
  assert.equal(chain?.length, 2, 'leaf + CA');
  const leaf = new x509.X509Certificate(chain?.[0] ?? '');
  const san = leaf.getExtension(x509.SubjectAlternativeNameExtension);
  assert.deepEqual(
    san?.names.items.map((n) => [n.type, n.value]),
    [
      ['dns', 'localhost'],
      ['ip', '127.0.0.1'],
      ['ip', '::1'],
    ],
  );
  assert.deepEqual(
    [...(leaf.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [])],
    [x509.ExtendedKeyUsage.serverAuth],
  );
  for (const bad of ['-bad.example', 'under_score.example', 'a..b', 'x'.repeat(64) + '.com', '']) {
    assert.throws(
      () => parseSans([bad]),
      (err) => isCamlinkError(err, 'PKI_SAN_INVALID'),
      bad,
    );
  }
  assert.deepEqual(parseSans(['*.cams.example.com']), [{ type: 'dns', value: '*.cams.example.com' }]);
});

test('the verification certificate has CN = registration code; bad codes are refused', async (t) => {
  const { ctx } = await testPki(t);
  await initCa(ctx, { force: false });
  const code = 'a'.repeat(64);
  const result = await createVerificationCert(ctx, code, {});
  const cert = new x509.X509Certificate(result.pem);
  assert.equal(cert.subjectName.getField('CN')[0], code);
  assert.equal((await stat(result.keyPath)).mode & 0o777, 0o600);
  for (const bad of ['', 'a'.repeat(65), 'abc-def', 'abc def']) {
    await assert.rejects(createVerificationCert(ctx, bad, {}), (err) =>
      isCamlinkError(err, 'PKI_REGISTRATION_CODE_INVALID'),
    );
  }
});
