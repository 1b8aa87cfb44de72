/** The platform's configured server material: read once, and refused when the key is not the cert's. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isCamlinkError } from '../../src/errors/camlink-error.js';
import { iotDataTls, servicesTls } from '../../src/platform/server-tls.js';
import { createPublicPki, writePublicPki } from '../../src/rehearsal/pki.js';
import { tempDir } from '../helpers/tmp.js';
import { globalTarget } from './helpers.js';

test('tls.services / tls.iotData: the configured files, or TLS_FILES_INVALID', async (t) => {
  const dir = await tempDir(t);
  const files = await writePublicPki(await createPublicPki(globalTarget), join(dir, 'pki'));
  const services = await servicesTls(dir, {
    services: { certFile: files.publicServerCert, keyFile: files.publicServerKey },
  });
  assert.match(services.cert.toString(), /BEGIN CERTIFICATE/);
  const ats = await iotDataTls(dir, {
    iotData: { certFile: files.atsServerCert, keyFile: files.atsServerKey },
  });
  assert.equal(ats.cert.toString().match(/BEGIN CERTIFICATE/g)?.length, 2, 'leaf + ATS intermediate');
  const refused = [
    { certFile: files.publicServerCert, keyFile: files.atsServerKey },
    { certFile: files.publicServerCert, keyFile: join(dir, 'missing.pem') },
    { certFile: files.publicServerKey, keyFile: files.publicServerKey },
  ];
  for (const pair of refused) {
    await assert.rejects(
      servicesTls(dir, { services: pair }),
      (err: unknown) => isCamlinkError(err, 'TLS_FILES_INVALID'),
      JSON.stringify(pair),
    );
  }
});
