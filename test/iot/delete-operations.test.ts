/**
 * The embedded IoT API's list/detach/delete operations (what `camlink aws teardown` and `cdk destroy`
 * call) through @aws-sdk/client-iot, with AWS's rules: DeletePolicy is refused while attached,
 * DeleteCertificate while ACTIVE or attached, DeleteCACertificate while ACTIVE; listings page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  DeleteCACertificateCommand,
  DeleteCertificateCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteThingCommand,
  DescribeCertificateCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  GetPolicyCommand,
  ListCertificatesByCACommand,
  ListPrincipalThingsCommand,
  ListTargetsForPolicyCommand,
  ListThingPrincipalsCommand,
  RegisterCACertificateCommand,
  RegisterCertificateCommand,
  UpdateCACertificateCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { certificateId as certificateIdOf } from '../../src/pki/ca.js';
import { createDevice } from '../../src/pki/device.js';
import { x509 } from '../../src/pki/x509.js';
import { startTestControlPlane } from '../helpers/iot.js';

const errorName = (name: string) => (err: unknown) => err instanceof Error && err.name === name;
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }],
});

test('detach and delete with AWS rules: policies, certificates, things, the CA; listings page', async (t) => {
  const cp = await startTestControlPlane(t);
  const { iot } = cp;
  const caPem = await readFile(cp.pki.store.caCertPath, 'utf8');
  await iot.send(
    new RegisterCACertificateCommand({
      caCertificate: caPem,
      certificateMode: 'SNI_ONLY',
      setAsActive: true,
    }),
  );
  const caId = certificateIdOf(new x509.X509Certificate(caPem));
  await iot.send(new CreatePolicyCommand({ policyName: 'device', policyDocument: POLICY }));

  const outDir = join(cp.dataDir, 'devices');
  const certs: { id: string; arn: string; thing: string }[] = [];
  for (const thing of ['cam-1', 'cam-2', 'cam-3']) {
    const d = await createDevice(cp.pki, thing, { outDir, force: false });
    const r = await iot.send(
      new RegisterCertificateCommand({
        certificatePem: await readFile(d.certPath, 'utf8'),
        setAsActive: true,
      }),
    );
    await iot.send(new CreateThingCommand({ thingName: thing }));
    await iot.send(new AttachThingPrincipalCommand({ thingName: thing, principal: r.certificateArn }));
    await iot.send(new AttachPolicyCommand({ policyName: 'device', target: r.certificateArn }));
    certs.push({ id: r.certificateId ?? '', arn: r.certificateArn ?? '', thing });
  }
  const [c1, c2, c3] = certs as [(typeof certs)[0], (typeof certs)[0], (typeof certs)[0]];

  // ListCertificatesByCA pages (newest first by default; ascending on request).
  const first = await iot.send(
    new ListCertificatesByCACommand({ caCertificateId: caId, pageSize: 2, ascendingOrder: true }),
  );
  assert.equal(first.certificates?.length, 2);
  assert.equal(first.certificates?.[0]?.status, 'ACTIVE');
  assert.ok(first.nextMarker);
  const second = await iot.send(
    new ListCertificatesByCACommand({
      caCertificateId: caId,
      pageSize: 2,
      ascendingOrder: true,
      marker: first.nextMarker,
    }),
  );
  assert.equal(second.certificates?.length, 1);
  assert.equal(second.nextMarker, undefined);
  assert.deepEqual(
    [...(first.certificates ?? []), ...(second.certificates ?? [])].map((c) => c.certificateId).sort(),
    certs.map((c) => c.id).sort(),
  );
  await assert.rejects(
    iot.send(new ListCertificatesByCACommand({ caCertificateId: 'f'.repeat(64) })),
    errorName('ResourceNotFoundException'),
  );

  // ListTargetsForPolicy and ListPrincipalThings.
  const targets = await iot.send(new ListTargetsForPolicyCommand({ policyName: 'device', pageSize: 2 }));
  assert.equal(targets.targets?.length, 2);
  const rest = await iot.send(
    new ListTargetsForPolicyCommand({ policyName: 'device', marker: targets.nextMarker }),
  );
  assert.deepEqual(
    [...(targets.targets ?? []), ...(rest.targets ?? [])].sort(),
    certs.map((c) => c.arn).sort(),
  );
  assert.deepEqual((await iot.send(new ListPrincipalThingsCommand({ principal: c1.arn }))).things, ['cam-1']);

  // DeletePolicy while attached: DeleteConflictException (what makes cdk destroy fail).
  await assert.rejects(
    iot.send(new DeletePolicyCommand({ policyName: 'device' })),
    errorName('DeleteConflictException'),
  );

  // DeleteCertificate: ACTIVE -> CertificateStateException; a thing attached -> DeleteConflictException;
  // a policy attached -> DeleteConflictException unless forceDelete.
  await assert.rejects(
    iot.send(new DeleteCertificateCommand({ certificateId: c1.id })),
    errorName('CertificateStateException'),
  );
  await iot.send(new UpdateCertificateCommand({ certificateId: c1.id, newStatus: 'INACTIVE' }));
  await assert.rejects(
    iot.send(new DeleteCertificateCommand({ certificateId: c1.id })),
    errorName('DeleteConflictException'),
  );
  await assert.rejects(
    iot.send(new DeleteThingCommand({ thingName: 'cam-1' })),
    errorName('InvalidRequestException'),
  );
  await iot.send(new DetachThingPrincipalCommand({ thingName: 'cam-1', principal: c1.arn }));
  await iot.send(new DetachThingPrincipalCommand({ thingName: 'cam-1', principal: c1.arn })); // idempotent
  assert.deepEqual((await iot.send(new ListThingPrincipalsCommand({ thingName: 'cam-1' }))).principals, []);
  assert.deepEqual((await iot.send(new ListPrincipalThingsCommand({ principal: c1.arn }))).things, []);
  await assert.rejects(
    iot.send(new DeleteCertificateCommand({ certificateId: c1.id })),
    errorName('DeleteConflictException'),
  );
  await iot.send(new DetachPolicyCommand({ policyName: 'device', target: c1.arn }));
  await iot.send(new DeleteCertificateCommand({ certificateId: c1.id }));
  await iot.send(new DeleteThingCommand({ thingName: 'cam-1' }));
  await assert.rejects(
    iot.send(new DescribeCertificateCommand({ certificateId: c1.id })),
    errorName('ResourceNotFoundException'),
  );
  await assert.rejects(
    iot.send(new DeleteCertificateCommand({ certificateId: c1.id })),
    errorName('ResourceNotFoundException'),
  );

  // forceDelete: an INACTIVE certificate with a policy (but no thing) goes, its attachment with it.
  await iot.send(new DetachThingPrincipalCommand({ thingName: 'cam-2', principal: c2.arn }));
  await iot.send(new UpdateCertificateCommand({ certificateId: c2.id, newStatus: 'REVOKED' }));
  await iot.send(new DeleteCertificateCommand({ certificateId: c2.id, forceDelete: true }));
  assert.deepEqual((await iot.send(new ListTargetsForPolicyCommand({ policyName: 'device' }))).targets, [
    c3.arn,
  ]);

  // DeleteCACertificate: only INACTIVE.
  await assert.rejects(
    iot.send(new DeleteCACertificateCommand({ certificateId: caId })),
    errorName('CertificateStateException'),
  );
  await iot.send(new UpdateCACertificateCommand({ certificateId: caId, newStatus: 'INACTIVE' }));
  await iot.send(new DeleteCACertificateCommand({ certificateId: caId }));
  await assert.rejects(
    iot.send(new ListCertificatesByCACommand({ caCertificateId: caId })),
    errorName('ResourceNotFoundException'),
  );

  // The last attachment gone, DeletePolicy succeeds; then the policy is gone.
  await iot.send(new DetachPolicyCommand({ policyName: 'device', target: c3.arn }));
  assert.deepEqual((await iot.send(new ListTargetsForPolicyCommand({ policyName: 'device' }))).targets, []);
  await iot.send(new DeletePolicyCommand({ policyName: 'device' }));
  await assert.rejects(
    iot.send(new GetPolicyCommand({ policyName: 'device' })),
    errorName('ResourceNotFoundException'),
  );
  await assert.rejects(
    iot.send(new DetachPolicyCommand({ policyName: 'device', target: c3.arn })),
    errorName('ResourceNotFoundException'),
  );
});

test('an operation the API does not serve is refused, never read as "already gone"', async (t) => {
  const { iot } = await startTestControlPlane(t);
  await assert.rejects(
    iot.send(new DeletePolicyVersionCommand({ policyName: 'device', policyVersionId: '1' })),
    (err: unknown) =>
      err instanceof Error &&
      err.name === 'UnknownOperationException' &&
      /^no operation DELETE \/policies\/device\/version\/1/.test(err.message),
  );
});
