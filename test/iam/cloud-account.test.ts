/**
 * `camlink up` with cloudAccount.enabled: a fresh account where nothing of the stack's exists (no CA,
 * policy, role alias, bucket, queue, backend), and where the roles STS, the IoT credentials provider
 * and JITP use are the ones created through IAM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreatePolicyCommand,
  CreateRoleAliasCommand,
  CreateThingCommand,
  DescribeThingCommand,
  GetPolicyCommand,
  GetRegistrationCodeCommand,
  IoTClient,
  ListCACertificatesCommand,
  ListRoleAliasesCommand,
  RegisterCACertificateCommand,
  RegisterCertificateCommand,
} from '@aws-sdk/client-iot';
import { ListBucketsCommand, PutObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import sts from '@aws-sdk/nested-clients/sts';
import { endpointsSchema } from '../../src/contracts/endpoints.js';
import { JITP_TEMPLATE_BODY } from '../../src/contracts/jitp-template.js';
import { createLogger } from '../../src/log/logger.js';
import { pkiContext } from '../../src/pki/context.js';
import { createDevice } from '../../src/pki/device.js';
import { createVerificationCert } from '../../src/pki/verification.js';
import { startCloudAccount, startPlatform } from '../../src/platform/platform.js';
import { sdkOptions } from '../helpers/aws.js';
import { connectMqtt } from '../helpers/endpoint.js';
import { platformConfig } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

const ACCOUNT = '000000000000';
const trust = (principal: Record<string, string>, condition?: Record<string, unknown>) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: principal,
        Action: 'sts:AssumeRole',
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  });

function askCredentials(
  url: string,
  ca: Buffer,
  cert: Buffer,
  key: Buffer,
  alias: string,
  thing: string,
): Promise<{ status: number; body: { credentials?: Record<string, string>; message?: string } }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${url}/role-aliases/${alias}/credentials`,
      { ca, cert, key, headers: { 'x-amzn-iot-thingname': thing }, agent: false, servername: 'localhost' },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as never }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('a fresh cloud account: nothing of the stack exists; IAM roles serve STS, the credentials provider and JITP', async (t) => {
  const dataDir = await tempDir(t);
  const config = platformConfig(dataDir, {
    cloudAccount: { enabled: true },
    iam: { enabled: true },
    sts: { enabled: true },
    iot: { accountId: ACCOUNT },
  });
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(
    { level: 'info' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  await assert.rejects(startPlatform(config, logger), /cloudAccount/);
  const platform = await startCloudAccount(config, logger);
  t.after(() => platform.close());
  const e = platform.endpoints;
  assert.equal(e.api, undefined);
  assert.ok(e.iam !== undefined && e.sts !== undefined && e.iotCredentials !== undefined);
  const written = endpointsSchema.parse(JSON.parse(await readFile(platform.endpointsPath, 'utf8')));
  assert.equal(written.api, undefined);
  assert.equal(written.iam, e.iam);

  const ca = await readFile(e.caPath);
  const iot = new IoTClient(sdkOptions(e.iot, ca, e.credentials));
  const s3 = new S3Client({ ...sdkOptions(e.s3, ca, e.credentials), forcePathStyle: true });
  const sqs = new SQSClient(sdkOptions(e.sqs, ca, e.credentials));
  const iam = new IAMClient(sdkOptions(e.iam, ca, e.credentials));
  const stsClient = new sts.STSClient(sdkOptions(e.sts, ca, e.credentials));
  t.after(() => [iot, s3, sqs, iam, stsClient].forEach((c) => c.destroy()));

  // Nothing the stack or the operator creates.
  assert.deepEqual((await iot.send(new ListCACertificatesCommand({}))).certificates, []);
  assert.deepEqual((await iot.send(new ListRoleAliasesCommand({}))).roleAliases, []);
  await assert.rejects(iot.send(new GetPolicyCommand({ policyName: 'camlink-device' })), /ResourceNotFound/);
  assert.deepEqual((await s3.send(new ListBucketsCommand({}))).Buckets ?? [], []);
  assert.deepEqual((await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? [], []);

  // STS hands out an IAM-created role; its sessions hold to its inline policy.
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'Uploader',
      AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${ACCOUNT}:root` }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'Uploader',
      PolicyName: 'put',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::media/*' }],
      }),
    }),
  );
  const { Credentials: c } = await stsClient.send(
    new sts.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/Uploader`, RoleSessionName: 'up' }),
  );
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  await s3.send(new (await import('@aws-sdk/client-s3')).CreateBucketCommand({ Bucket: 'media' }));
  const asRole = new S3Client({
    ...sdkOptions(e.s3, ca, {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
    } as { accessKeyId: string; secretAccessKey: string }),
    forcePathStyle: true,
  });
  t.after(() => asRole.destroy());
  await asRole.send(new PutObjectCommand({ Bucket: 'media', Key: 'a.txt', Body: 'x' }));
  await assert.rejects(
    asRole.send(new GetObjectCommand({ Bucket: 'media', Key: 'a.txt' })),
    /AccessDenied|denied/i,
  );
  // A role that does not trust the caller: AccessDenied, like a role that does not exist.
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'IotOnly',
      AssumeRolePolicyDocument: trust({ Service: 'iot.amazonaws.com' }),
    }),
  );
  for (const role of ['IotOnly', 'Missing']) {
    await assert.rejects(
      stsClient.send(
        new sts.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`, RoleSessionName: 'up' }),
      ),
      (err: Error) => err.name === 'AccessDenied',
    );
  }

  // The operator CA registered by the operator, with JITP and a provisioning role that does not exist.
  const pki = pkiContext(dataDir, config.pki);
  const { registrationCode } = await iot.send(new GetRegistrationCodeCommand({}));
  const verification = await createVerificationCert(pki, registrationCode ?? '', {});
  const caPem = await readFile(e.caPath, 'utf8');
  const registeredCa = await iot.send(
    new RegisterCACertificateCommand({
      caCertificate: caPem,
      verificationCertificate: verification.pem,
      setAsActive: true,
      allowAutoRegistration: true,
      registrationConfig: {
        templateBody: JITP_TEMPLATE_BODY,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/NoSuchRole`,
      },
    }),
  );
  assert.ok(registeredCa.certificateId);

  // JITP: the role cannot be assumed, so the device is not provisioned (and it is logged).
  const jitpDevice = await createDevice(pki, 'cam-jitp', { outDir: join(dataDir, 'devices'), force: false });
  await assert.rejects(
    connectMqtt(e.mqtt, {
      ca,
      cert: await readFile(jitpDevice.certPath),
      key: await readFile(jitpDevice.keyPath),
      clientId: 'cam-jitp',
      servername: 'localhost',
    }),
    /closed before CONNACK/,
  );
  await assert.rejects(iot.send(new DescribeThingCommand({ thingName: 'cam-jitp' })), /ResourceNotFound/);
  const failure = lines.find((l) => l.msg === 'just-in-time provisioning failed');
  assert.match(String(failure?.reason), /NoSuchRole does not exist/);

  // The credentials provider: a registered camera, a role alias naming an IAM role.
  const cam = await createDevice(pki, 'cam-1', { outDir: join(dataDir, 'devices'), force: false });
  const camCert = await readFile(cam.certPath);
  const camKey = await readFile(cam.keyPath);
  const { certificateArn } = await iot.send(
    new RegisterCertificateCommand({
      certificatePem: camCert.toString(),
      caCertificatePem: caPem,
      setAsActive: true,
    }),
  );
  await iot.send(new CreateThingCommand({ thingName: 'cam-1' }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'cam-1', principal: certificateArn }));
  await iot.send(
    new CreatePolicyCommand({
      policyName: 'assume',
      policyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iot:AssumeRoleWithCertificate', Resource: '*' }],
      }),
    }),
  );
  await iot.send(new AttachPolicyCommand({ policyName: 'assume', target: certificateArn }));
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'Camera',
      AssumeRolePolicyDocument: trust({ Service: 'credentials.iot.amazonaws.com' }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'Camera',
      PolicyName: 'own-keys',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:PutObject',
            Resource: 'arn:aws:s3:::media/${credentials-iot:ThingName}/*',
          },
        ],
      }),
    }),
  );
  for (const [alias, role] of [
    ['camera', 'Camera'],
    ['wrong-trust', 'Uploader'],
    ['no-role', 'Gone'],
  ] as const) {
    await iot.send(
      new CreateRoleAliasCommand({ roleAlias: alias, roleArn: `arn:aws:iam::${ACCOUNT}:role/${role}` }),
    );
  }
  const served = await askCredentials(e.iotCredentials, ca, camCert, camKey, 'camera', 'cam-1');
  assert.equal(served.status, 200, served.body.message);
  const cred = served.body.credentials;
  assert.ok(cred?.accessKeyId && cred.secretAccessKey && cred.sessionToken);
  const asCamera = new S3Client({
    ...sdkOptions(e.s3, ca, {
      accessKeyId: cred.accessKeyId,
      secretAccessKey: cred.secretAccessKey,
      sessionToken: cred.sessionToken,
    } as { accessKeyId: string; secretAccessKey: string }),
    forcePathStyle: true,
  });
  t.after(() => asCamera.destroy());
  await asCamera.send(new PutObjectCommand({ Bucket: 'media', Key: 'cam-1/a.jpg', Body: 'x' }));
  await assert.rejects(
    asCamera.send(new PutObjectCommand({ Bucket: 'media', Key: 'cam-2/a.jpg', Body: 'x' })),
  );
  for (const alias of ['wrong-trust', 'no-role']) {
    const refused = await askCredentials(e.iotCredentials, ca, camCert, camKey, alias, 'cam-1');
    assert.equal(refused.status, 403);
    assert.match(refused.body.message ?? '', /Unable to assume the role/);
  }
  // The JITP role exists now (trusting IoT with the stack's conditions): a new device is provisioned.
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'NoSuchRole',
      AssumeRolePolicyDocument: trust(
        { Service: 'iot.amazonaws.com' },
        {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnLike: { 'aws:SourceArn': `arn:aws:iot:${config.iot.region}:${ACCOUNT}:*` },
        },
      ),
    }),
  );
  await iam.send(
    new AttachRolePolicyCommand({
      RoleName: 'NoSuchRole',
      PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSIoTThingsRegistration',
    }),
  );
  await iot.send(
    new CreatePolicyCommand({
      policyName: 'camlink-device',
      policyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }],
      }),
    }),
  );
  const second = await createDevice(pki, 'cam-jitp2', { outDir: join(dataDir, 'devices'), force: false });
  await assert.rejects(
    connectMqtt(e.mqtt, {
      ca,
      cert: await readFile(second.certPath),
      key: await readFile(second.keyPath),
      clientId: 'cam-jitp2',
      servername: 'localhost',
    }),
    /closed before CONNACK/,
  );
  assert.equal((await iot.send(new DescribeThingCommand({ thingName: 'cam-jitp2' }))).thingName, 'cam-jitp2');
});
