/** The official @aws-sdk/client-iot drives every operation of the embedded IoT control plane. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateCertificateFromCsrCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  DeleteThingCommand,
  DescribeCACertificateCommand,
  DescribeCertificateCommand,
  DescribeEndpointCommand,
  DescribeThingCommand,
  GetPolicyCommand,
  GetRegistrationCodeCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListCACertificatesCommand,
  ListThingPrincipalsCommand,
  ListThingsCommand,
  RegisterCACertificateCommand,
  RegisterCertificateCommand,
  RegisterCertificateWithoutCACommand,
  UpdateCACertificateCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { loadConfig } from '../../src/config/load.js';
import { pkiContext } from '../../src/pki/context.js';
import { initCa } from '../../src/pki/ca.js';
import { createDevice } from '../../src/pki/device.js';
import { createVerificationCert } from '../../src/pki/verification.js';
import { devicePolicyTemplate } from '../../src/contracts/device-policy.js';
import { JITP_TEMPLATE_BODY } from '../../src/contracts/jitp-template.js';
import { renderPolicyTemplate } from '../../src/iot/policy/arn.js';
import { sdkOptions } from '../helpers/aws.js';
import { makeCsr } from '../helpers/pki.js';
import { startTestControlPlane } from '../helpers/iot.js';
import { tempDir } from '../helpers/tmp.js';

const scope = { partition: 'aws' as const, region: 'us-east-1', account: '000000000000' };
const errorName = (name: string) => (err: unknown) => err instanceof Error && err.name === name;

test('CA registration: registration code, DEFAULT with verification, SNI_ONLY, update, describe, list', async (t) => {
  const cp = await startTestControlPlane(t);
  const { registrationCode } = await cp.iot.send(new GetRegistrationCodeCommand({}));
  assert.match(registrationCode ?? '', /^[0-9a-f]{64}$/);
  assert.equal((await cp.iot.send(new GetRegistrationCodeCommand({}))).registrationCode, registrationCode);

  const caPem = await readFile(cp.pki.store.caCertPath, 'utf8');
  const good = await createVerificationCert(cp.pki, registrationCode ?? '', {});
  const wrongCode = await createVerificationCert(cp.pki, 'a'.repeat(64), {});
  await assert.rejects(
    cp.iot.send(
      new RegisterCACertificateCommand({ caCertificate: caPem, verificationCertificate: wrongCode.pem }),
    ),
    errorName('RegistrationCodeValidationException'),
  );
  const otherDir = await tempDir(t);
  const other = pkiContext(otherDir, loadConfig({ env: {} }).pki);
  await initCa(other, { force: false });
  const foreignVerification = await createVerificationCert(other, registrationCode ?? '', {});
  await assert.rejects(
    cp.iot.send(
      new RegisterCACertificateCommand({
        caCertificate: caPem,
        verificationCertificate: foreignVerification.pem,
      }),
    ),
    errorName('CertificateValidationException'),
  );
  const device = await createDevice(cp.pki, 'not-a-ca', {
    outDir: join(cp.dataDir, 'devices'),
    force: false,
  });
  await assert.rejects(
    cp.iot.send(
      new RegisterCACertificateCommand({
        caCertificate: await readFile(device.certPath, 'utf8'),
        certificateMode: 'SNI_ONLY',
      }),
    ),
    errorName('CertificateValidationException'),
  );

  const templateBody = JITP_TEMPLATE_BODY;
  const registered = await cp.iot.send(
    new RegisterCACertificateCommand({
      caCertificate: caPem,
      verificationCertificate: good.pem,
      setAsActive: true,
      allowAutoRegistration: true,
      registrationConfig: { templateBody, roleArn: 'arn:aws:iam::000000000000:role/camlink-jitp' },
    }),
  );
  assert.match(registered.certificateId ?? '', /^[0-9a-f]{64}$/);
  assert.equal(
    registered.certificateArn,
    `arn:aws:iot:us-east-1:000000000000:cacert/${registered.certificateId}`,
  );
  await assert.rejects(
    cp.iot.send(
      new RegisterCACertificateCommand({ caCertificate: caPem, verificationCertificate: good.pem }),
    ),
    errorName('ResourceAlreadyExistsException'),
  );

  const sniOnly = await cp.iot.send(
    new RegisterCACertificateCommand({
      caCertificate: await readFile(other.store.caCertPath, 'utf8'),
      certificateMode: 'SNI_ONLY',
    }),
  );
  const described = await cp.iot.send(
    new DescribeCACertificateCommand({ certificateId: registered.certificateId }),
  );
  assert.equal(described.certificateDescription?.status, 'ACTIVE');
  assert.equal(described.certificateDescription?.autoRegistrationStatus, 'ENABLE');
  assert.equal(described.certificateDescription?.certificateMode, 'DEFAULT');
  assert.ok(described.certificateDescription?.creationDate instanceof Date);
  assert.equal(described.registrationConfig?.templateBody, templateBody);
  const sni = await cp.iot.send(new DescribeCACertificateCommand({ certificateId: sniOnly.certificateId }));
  assert.equal(sni.certificateDescription?.certificateMode, 'SNI_ONLY');
  assert.equal(sni.certificateDescription?.status, 'INACTIVE');

  const page1 = await cp.iot.send(new ListCACertificatesCommand({ pageSize: 1 }));
  assert.equal(page1.certificates?.length, 1);
  assert.ok(page1.nextMarker);
  const page2 = await cp.iot.send(new ListCACertificatesCommand({ pageSize: 1, marker: page1.nextMarker }));
  assert.equal(page2.certificates?.length, 1);
  assert.equal(page2.nextMarker, undefined);

  await cp.iot.send(
    new UpdateCACertificateCommand({
      certificateId: sniOnly.certificateId,
      newStatus: 'ACTIVE',
      newAutoRegistrationStatus: 'ENABLE',
    }),
  );
  const updated = await cp.iot.send(
    new DescribeCACertificateCommand({ certificateId: sniOnly.certificateId }),
  );
  assert.equal(updated.certificateDescription?.status, 'ACTIVE');
  assert.equal(updated.certificateDescription?.autoRegistrationStatus, 'ENABLE');
});

test('device certificates: register (with and without CA), from CSR, status changes, describe', async (t) => {
  const cp = await startTestControlPlane(t);
  const caPem = await readFile(cp.pki.store.caCertPath, 'utf8');
  const { registrationCode } = await cp.iot.send(new GetRegistrationCodeCommand({}));
  const verification = await createVerificationCert(cp.pki, registrationCode ?? '', {});
  const ca = await cp.iot.send(
    new RegisterCACertificateCommand({
      caCertificate: caPem,
      verificationCertificate: verification.pem,
      setAsActive: true,
    }),
  );
  const outDir = join(cp.dataDir, 'devices');
  const d1 = await createDevice(cp.pki, 'cam-1', { outDir, force: false });
  const r1 = await cp.iot.send(
    new RegisterCertificateCommand({
      certificatePem: await readFile(d1.certPath, 'utf8'),
      caCertificatePem: caPem,
      setAsActive: true,
    }),
  );
  assert.equal(r1.certificateId, d1.certificateId, 'certificateId is the SHA-256 of the DER, as on AWS');
  await assert.rejects(
    cp.iot.send(new RegisterCertificateCommand({ certificatePem: await readFile(d1.certPath, 'utf8') })),
    errorName('ResourceAlreadyExistsException'),
  );
  const description = await cp.iot.send(new DescribeCertificateCommand({ certificateId: r1.certificateId }));
  assert.equal(description.certificateDescription?.status, 'ACTIVE');
  assert.equal(description.certificateDescription?.caCertificateId, ca.certificateId);

  const otherDir = await tempDir(t);
  const other = pkiContext(otherDir, loadConfig({ env: {} }).pki);
  await initCa(other, { force: false });
  const foreign = await createDevice(other, 'cam-x', { outDir: otherDir, force: false });
  const foreignPem = await readFile(foreign.certPath, 'utf8');
  await assert.rejects(
    cp.iot.send(new RegisterCertificateCommand({ certificatePem: foreignPem })),
    errorName('CertificateValidationException'),
  );
  const noCa = await cp.iot.send(
    new RegisterCertificateWithoutCACommand({ certificatePem: foreignPem, status: 'ACTIVE' }),
  );
  const noCaDescription = await cp.iot.send(
    new DescribeCertificateCommand({ certificateId: noCa.certificateId }),
  );
  assert.equal(noCaDescription.certificateDescription?.certificateMode, 'SNI_ONLY');

  const fromCsr = await cp.iot.send(
    new CreateCertificateFromCsrCommand({
      certificateSigningRequest: await makeCsr('CN=cam-csr'),
      setAsActive: true,
    }),
  );
  assert.match(fromCsr.certificatePem ?? '', /BEGIN CERTIFICATE/);
  assert.equal(
    (await cp.iot.send(new DescribeCertificateCommand({ certificateId: fromCsr.certificateId })))
      .certificateDescription?.status,
    'ACTIVE',
  );
  await assert.rejects(
    cp.iot.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: 'garbage' })),
    (err: Error) => err.name === 'InvalidRequestException',
  );

  await cp.iot.send(new UpdateCertificateCommand({ certificateId: r1.certificateId, newStatus: 'INACTIVE' }));
  await cp.iot.send(new UpdateCertificateCommand({ certificateId: r1.certificateId, newStatus: 'REVOKED' }));
  await assert.rejects(
    cp.iot.send(new UpdateCertificateCommand({ certificateId: r1.certificateId, newStatus: 'ACTIVE' })),
    errorName('CertificateStateException'),
  );
  await assert.rejects(
    cp.iot.send(
      new UpdateCertificateCommand({ certificateId: noCa.certificateId, newStatus: 'PENDING_ACTIVATION' }),
    ),
    errorName('InvalidRequestException'),
  );
  await assert.rejects(
    cp.iot.send(new DescribeCertificateCommand({ certificateId: 'f'.repeat(64) })),
    errorName('ResourceNotFoundException'),
  );
});

test('things, principals, policies and the data endpoint', async (t) => {
  const cp = await startTestControlPlane(t);
  const cert = await cp.iot.send(
    new CreateCertificateFromCsrCommand({
      certificateSigningRequest: await makeCsr('CN=cam-7'),
      setAsActive: true,
    }),
  );
  const thing = await cp.iot.send(
    new CreateThingCommand({ thingName: 'cam-7', attributePayload: { attributes: { model: 'x1' } } }),
  );
  assert.equal(thing.thingArn, 'arn:aws:iot:us-east-1:000000000000:thing/cam-7');
  const again = await cp.iot.send(
    new CreateThingCommand({ thingName: 'cam-7', attributePayload: { attributes: { model: 'x1' } } }),
  );
  assert.equal(again.thingId, thing.thingId, 'an identical CreateThing is idempotent');
  await assert.rejects(
    cp.iot.send(
      new CreateThingCommand({ thingName: 'cam-7', attributePayload: { attributes: { model: 'x2' } } }),
    ),
    errorName('ResourceAlreadyExistsException'),
  );
  await assert.rejects(
    cp.iot.send(new CreateThingCommand({ thingName: 'cam/7' })),
    errorName('InvalidRequestException'),
  );
  await cp.iot.send(new CreateThingCommand({ thingName: 'cam-8' }));
  const described = await cp.iot.send(new DescribeThingCommand({ thingName: 'cam-7' }));
  assert.deepEqual(described.attributes, { model: 'x1' });
  assert.equal(described.defaultClientId, 'cam-7');
  const list = await cp.iot.send(new ListThingsCommand({ maxResults: 1 }));
  assert.equal(list.things?.length, 1);
  assert.ok(list.nextToken);

  await cp.iot.send(new AttachThingPrincipalCommand({ thingName: 'cam-7', principal: cert.certificateArn }));
  assert.deepEqual((await cp.iot.send(new ListThingPrincipalsCommand({ thingName: 'cam-7' }))).principals, [
    cert.certificateArn,
  ]);
  await assert.rejects(
    cp.iot.send(new DeleteThingCommand({ thingName: 'cam-7' })),
    errorName('InvalidRequestException'),
  );
  await cp.iot.send(new DeleteThingCommand({ thingName: 'cam-8' }));
  await assert.rejects(
    cp.iot.send(new DescribeThingCommand({ thingName: 'cam-8' })),
    errorName('ResourceNotFoundException'),
  );

  const document = renderPolicyTemplate(devicePolicyTemplate, scope);
  const created = await cp.iot.send(
    new CreatePolicyCommand({ policyName: 'camlink-device', policyDocument: document }),
  );
  assert.equal(created.policyArn, 'arn:aws:iot:us-east-1:000000000000:policy/camlink-device');
  await assert.rejects(
    cp.iot.send(
      new CreatePolicyCommand({
        policyName: 'bad',
        policyDocument:
          '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iot:*","Resource":"*"}]}',
      }),
    ),
    errorName('InvalidRequestException'),
  );
  assert.equal(
    (await cp.iot.send(new GetPolicyCommand({ policyName: 'camlink-device' }))).policyDocument,
    document,
  );
  await cp.iot.send(new AttachPolicyCommand({ policyName: 'camlink-device', target: cert.certificateArn }));
  const attached = await cp.iot.send(new ListAttachedPoliciesCommand({ target: cert.certificateArn }));
  assert.deepEqual(
    attached.policies?.map((p) => p.policyName),
    ['camlink-device'],
  );

  assert.equal(
    (await cp.iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }))).endpointAddress,
    'localhost:8883',
  );
  await assert.rejects(
    cp.iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data' })),
    errorName('InvalidRequestException'),
  );
});

test('wrong credentials and bad signatures are refused', async (t) => {
  const cp = await startTestControlPlane(t);
  const unknown = new IoTClient(
    sdkOptions(cp.api.url, cp.ca, { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40) }),
  );
  t.after(() => unknown.destroy());
  await assert.rejects(
    unknown.send(new GetRegistrationCodeCommand({})),
    errorName('UnrecognizedClientException'),
  );
  const badSecret = new IoTClient(
    sdkOptions(cp.api.url, cp.ca, {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'not-the-secret-0000000000000000000000000',
    }),
  );
  t.after(() => badSecret.destroy());
  await assert.rejects(badSecret.send(new ListThingsCommand({})), errorName('InvalidSignatureException'));
});
