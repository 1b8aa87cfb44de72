/**
 * openssl as the independent checker: every certificate the camlink CLI writes verifies with
 * `openssl verify -CAfile` and reads correctly with `openssl x509 -text`; revocation is honoured
 * by `openssl verify -crl_check`; CSRs made by openssl are certified, tampered ones refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cliProcess, errorCodeOf } from '../helpers/cli.js';
import { openssl, opensslOk } from '../helpers/openssl.js';
import { tempDir } from '../helpers/tmp.js';
import { makeCsr } from '../helpers/pki.js';

for (const algorithm of ['ecdsa-p256', 'rsa-2048'] as const) {
  test(`${algorithm}: CA, device, server and verification certificates verify with openssl`, async (t) => {
    const dir = await tempDir(t);
    const env = { CAMLINK_DATA_DIR: dir };
    const init = await cliProcess(['ca', 'init', '--key-algorithm', algorithm], env);
    assert.equal(init.code, 0, init.stderr);
    const ca = join(dir, 'pki', 'ca.cert.pem');

    const caText = await opensslOk(['x509', '-in', ca, '-noout', '-text']);
    assert.match(caText, /Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    assert.match(caText, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
    assert.match(caText, /Subject: CN\s?=\s?camlink operator CA, O\s?=\s?camlink/);
    assert.match(caText, algorithm === 'rsa-2048' ? /Public-Key: \(2048 bit\)/ : /ASN1 OID: prime256v1/);
    assert.match(await opensslOk(['verify', '-CAfile', ca, ca]), /OK/);

    const device = await cliProcess(['device', 'create', 'cam-0001', '--key-algorithm', algorithm], env);
    assert.equal(device.code, 0, device.stderr);
    const certPath = join(dir, 'devices', 'cam-0001.cert.pem');
    const keyPath = join(dir, 'devices', 'cam-0001.key.pem');
    assert.equal((await stat(keyPath)).mode & 0o777, 0o600);
    assert.match(await opensslOk(['verify', '-CAfile', ca, '-purpose', 'sslclient', certPath]), /: OK/);
    const text = await opensslOk(['x509', '-in', certPath, '-noout', '-text']);
    assert.match(text, /Subject: CN\s?=\s?cam-0001\n/);
    assert.match(text, /Issuer: CN\s?=\s?camlink operator CA, O\s?=\s?camlink/);
    assert.match(text, /Extended Key Usage: \n\s+TLS Web Client Authentication/);
    assert.match(text, /CA:FALSE/);
    // The private key belongs to the certificate.
    const certPub = await opensslOk(['x509', '-in', certPath, '-noout', '-pubkey']);
    const keyPub = await opensslOk(['pkey', '-in', keyPath, '-pubout']);
    assert.equal(certPub, keyPub);

    const server = await cliProcess(['ca', 'server-cert', '--san', 'localhost', '--san', '127.0.0.1'], env);
    assert.equal(server.code, 0, server.stderr);
    const serverCert = join(dir, 'pki', 'server', 'endpoint.cert.pem');
    assert.match(await opensslOk(['verify', '-CAfile', ca, '-purpose', 'sslserver', serverCert]), /: OK/);
    const sanText = await opensslOk(['x509', '-in', serverCert, '-noout', '-ext', 'subjectAltName']);
    assert.match(sanText, /DNS:localhost, IP Address:127\.0\.0\.1/);

    const code = '0f'.repeat(32);
    const verification = await cliProcess(['ca', 'verification-cert', '--registration-code', code], env);
    assert.equal(verification.code, 0, verification.stderr);
    const verificationCert = join(dir, 'pki', 'verification', `${code}.cert.pem`);
    assert.match(await opensslOk(['verify', '-CAfile', ca, verificationCert]), /: OK/);
    const subject = await opensslOk([
      'x509',
      '-in',
      verificationCert,
      '-noout',
      '-subject',
      '-nameopt',
      'RFC2253',
    ]);
    assert.equal(subject.trim(), `subject=CN=${code}`);

    for (const run of [init, device, server, verification]) {
      assert.ok(!/PRIVATE KEY|BEGIN EC|BEGIN RSA/.test(run.stdout + run.stderr), 'no key material printed');
    }
    const keyBody = (await readFile(keyPath, 'utf8')).split('\n')[1] ?? '';
    assert.ok(keyBody.length > 20 && !device.stdout.includes(keyBody));
  });
}

test('revocation: openssl -crl_check refuses the revoked device and accepts the others', async (t) => {
  const dir = await tempDir(t);
  const env = { CAMLINK_DATA_DIR: dir };
  assert.equal((await cliProcess(['ca', 'init'], env)).code, 0);
  assert.equal((await cliProcess(['device', 'create', 'cam-a'], env)).code, 0);
  assert.equal((await cliProcess(['device', 'create', 'cam-b'], env)).code, 0);
  const revoke = await cliProcess(['device', 'revoke', 'cam-a', '--reason', 'keyCompromise'], env);
  assert.equal(revoke.code, 0, revoke.stderr);
  const ca = join(dir, 'pki', 'ca.cert.pem');
  const crl = join(dir, 'pki', 'ca.crl.pem');
  const revoked = await openssl([
    'verify',
    '-crl_check',
    '-CRLfile',
    crl,
    '-CAfile',
    ca,
    join(dir, 'devices', 'cam-a.cert.pem'),
  ]);
  assert.notEqual(revoked.code, 0);
  assert.match(revoked.stdout + revoked.stderr, /certificate revoked/);
  const ok = await openssl([
    'verify',
    '-crl_check',
    '-CRLfile',
    crl,
    '-CAfile',
    ca,
    join(dir, 'devices', 'cam-b.cert.pem'),
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  const crlText = await opensslOk(['crl', '-in', crl, '-noout', '-text', '-CAfile', ca]);
  assert.match(crlText, /X509v3 CRL Number: \n\s+2/);
  assert.match(crlText, /Key Compromise/);
  const again = await cliProcess(['device', 'revoke', 'cam-a'], env);
  assert.equal(again.code, 1);
  assert.equal(errorCodeOf(again), 'PKI_DEVICE_NOT_FOUND');
});

test('sign-csr: openssl-made CSRs are certified; tampered, foreign and malformed ones are refused', async (t) => {
  const dir = await tempDir(t);
  const env = { CAMLINK_DATA_DIR: dir };
  assert.equal((await cliProcess(['ca', 'init'], env)).code, 0);
  const ca = join(dir, 'pki', 'ca.cert.pem');
  const csrFor = async (name: string, subject: string, keyArgs: string[]) => {
    const out = join(dir, `${name}.csr`);
    await opensslOk([
      'req',
      '-new',
      ...keyArgs,
      '-nodes',
      '-keyout',
      join(dir, `${name}.key`),
      '-subj',
      subject,
      '-out',
      out,
    ]);
    return out;
  };
  const ecCsr = await csrFor('ec', '/CN=cam-ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  const rsaCsr = await csrFor('rsa', '/O=acme/CN=cam-rsa', ['-newkey', 'rsa:2048']);
  for (const [csr, cn] of [
    [ecCsr, 'cam-ec'],
    [rsaCsr, 'cam-rsa'],
  ] as const) {
    const signed = await cliProcess(['device', 'sign-csr', '--csr', csr], env);
    assert.equal(signed.code, 0, signed.stderr);
    const certFile = join(dir, `${cn}.pem`);
    await writeFile(certFile, signed.stdout);
    assert.match(await opensslOk(['verify', '-CAfile', ca, certFile]), /: OK/);
    const subject = await opensslOk(['x509', '-in', certFile, '-noout', '-subject', '-nameopt', 'RFC2253']);
    assert.equal(subject.trim(), `subject=CN=${cn}`);
  }

  // Flip one bit of the signature: the CSR still parses but no longer verifies.
  const der = Buffer.from((await readFile(ecCsr, 'utf8')).replace(/-----[^-]+-----|\s/g, ''), 'base64');
  der[der.length - 3] = (der[der.length - 3] ?? 0) ^ 0x01;
  const tampered = join(dir, 'tampered.csr');
  await writeFile(
    tampered,
    `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`,
  );
  const check = await openssl(['req', '-in', tampered, '-noout', '-verify']);
  // OpenSSL 3.0 reports the failure in its output (exit 0); later versions also exit non-zero.
  assert.match(check.stdout + check.stderr, /verify failure/, 'openssl agrees the signature is bad');

  const cases: [string, string][] = [
    [tampered, 'PKI_CSR_BAD_SIGNATURE'],
    [
      await csrFor('plus', '/CN=cam\\+1', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']),
      'DEVICE_ID_INVALID',
    ],
    [
      await csrFor('hash', '/CN=cam#1', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']),
      'DEVICE_ID_INVALID',
    ],
    [
      await csrFor('slash', '/CN=cam\\/1', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']),
      'DEVICE_ID_INVALID',
    ],
    [await csrFor('weak', '/CN=cam-weak', ['-newkey', 'rsa:1024']), 'PKI_KEY_UNSUPPORTED'],
  ];
  // openssl req itself refuses a CN over 64 characters, so the 129-character id comes from the library.
  const long = join(dir, 'long.csr');
  await writeFile(long, await makeCsr(`CN=${'c'.repeat(129)}`));
  cases.push([long, 'DEVICE_ID_INVALID']);
  const garbage = join(dir, 'garbage.csr');
  await writeFile(garbage, 'hello\n');
  cases.push([garbage, 'PKI_PEM_MALFORMED']);
  for (const [file, code] of cases) {
    const run = await cliProcess(['device', 'sign-csr', '--csr', file], env);
    assert.equal(run.code, 1, `${file}: ${run.stderr}`);
    assert.equal(errorCodeOf(run), code, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, 'one error line');
    assert.equal(run.stdout, '');
  }
});
