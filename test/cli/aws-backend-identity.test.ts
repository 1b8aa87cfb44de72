/**
 * `camlink aws backend-identity` against the embedded platform's IoT API: the backend's certificate
 * issued from the operator CA, registered ACTIVE with the CA, thing and policy attached; idempotent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DescribeCertificateCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListThingPrincipalsCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { sdkOptions } from '../helpers/aws.js';
import { cli, errorCodeOf } from '../helpers/cli.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

interface JsonIdentity {
  certificate: string;
  'certificate id': string;
  'certificate ARN': string;
  registration: string;
  thing: string;
  policy: string;
}

test('backend-identity issues, registers and attaches the backend identity, idempotently', async (t) => {
  const dir = await tempDir(t);
  const { platform } = await startTestPlatform(t, join(dir, 'platform'));
  const e = platform.endpoints;
  const iot = new IoTClient(sdkOptions(e.iot, await readFile(e.caPath), e.credentials));
  t.after(() => iot.destroy());
  const operator = join(dir, 'operator');
  const target = ['--data-dir', operator, '--endpoints', platform.endpointsPath];
  assert.equal((await cli(['ca', 'init', '--data-dir', operator])).code, 0);

  // The CA is not registered yet: IoT refuses the certificate, the command says so in one coded line.
  const early = await cli(['aws', 'backend-identity', ...target]);
  assert.equal(early.code, 1);
  assert.equal(errorCodeOf(early), 'AWS_REQUEST_REFUSED');
  assert.match(early.stderr, /RegisterCertificate: CertificateValidationException/);

  const ca = await cli(['aws', 'register-ca', ...target]);
  assert.equal(ca.code, 0, ca.stderr);
  const first = await cli(['aws', 'backend-identity', ...target, '--json']);
  assert.equal(first.code, 0, first.stderr);
  const created = JSON.parse(first.stdout) as JsonIdentity;
  assert.equal(created.registration, 'created');
  // The embedded platform made the thing for its own backend identity already.
  assert.equal(created.thing, 'camlink-backend (existing)');
  const certPath = join(operator, 'devices', 'camlink-backend.cert.pem');
  // The refused run issued it already; it is reused.
  assert.equal(created.certificate, `${certPath} (existing)`);
  assert.equal((await stat(join(operator, 'devices', 'camlink-backend.key.pem'))).mode & 0o777, 0o600);

  const id = created['certificate id'];
  const described = await iot.send(new DescribeCertificateCommand({ certificateId: id }));
  assert.equal(described.certificateDescription?.status, 'ACTIVE');
  const principals = await iot.send(new ListThingPrincipalsCommand({ thingName: 'camlink-backend' }));
  assert.ok(principals.principals?.includes(created['certificate ARN']), String(principals.principals));
  const policies = await iot.send(new ListAttachedPoliciesCommand({ target: created['certificate ARN'] }));
  assert.deepEqual(
    policies.policies?.map((p) => p.policyName),
    ['camlink-backend'],
  );

  // Again: the same certificate, nothing created; an INACTIVE registration is set ACTIVE.
  const pem = await readFile(certPath, 'utf8');
  const again = await cli(['aws', 'backend-identity', ...target, '--json']);
  assert.equal(again.code, 0, again.stderr);
  const existing = JSON.parse(again.stdout) as JsonIdentity;
  assert.equal(existing.registration, 'existing');
  assert.equal(existing.thing, 'camlink-backend (existing)');
  assert.equal(existing['certificate id'], id);
  assert.equal(await readFile(certPath, 'utf8'), pem);
  await iot.send(new UpdateCertificateCommand({ certificateId: id, newStatus: 'INACTIVE' }));
  const reactivated = await cli(['aws', 'backend-identity', ...target, '--json']);
  assert.equal(reactivated.code, 0, reactivated.stderr);
  assert.equal((JSON.parse(reactivated.stdout) as JsonIdentity).registration, 'activated');
  const after = await iot.send(new DescribeCertificateCommand({ certificateId: id }));
  assert.equal(after.certificateDescription?.status, 'ACTIVE');
});
