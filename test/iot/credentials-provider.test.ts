/**
 * The IoT credentials provider of `camlink up`, as a camera and curl reach it: mutual TLS with the
 * device certificate, `x-amzn-iot-thingname`, the camlink-camera role alias (created at start, seen
 * through @aws-sdk/client-iot). Refusals: another thing, an unknown alias, an INACTIVE certificate, no
 * client certificate. The temporary credentials cannot call the IoT API or SQS, and reach only the
 * camera's own keys in the media bucket.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import https from 'node:https';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import {
  CreateRoleAliasCommand,
  DeleteRoleAliasCommand,
  DescribeEndpointCommand,
  DescribeRoleAliasCommand,
  IoTClient,
  ListRoleAliasesCommand,
  ListThingsCommand,
  UpdateCertificateCommand,
  UpdateRoleAliasCommand,
} from '@aws-sdk/client-iot';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CAMERA_ROLE_ALIAS } from '../../src/contracts/camera-role.js';
import { certificateIdOf } from '../../src/broker/identity.js';
import { appWorld, type ProvisionedCamera } from '../helpers/app-world.js';
import { sdkOptions } from '../helpers/aws.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

interface Answer {
  status: number;
  body: { credentials?: Record<string, string>; message?: string };
}

function ask(
  url: string,
  ca: Buffer,
  camera: ProvisionedCamera | undefined,
  alias: string,
  thingName?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${url}/role-aliases/${alias}/credentials`,
      {
        ca,
        ...(camera ? { cert: camera.certificatePem, key: camera.keyPem } : {}),
        headers: thingName === undefined ? {} : { 'x-amzn-iot-thingname': thingName },
        agent: false,
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer['body'] }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('the credentials provider issues a camera temporary credentials for its role alias', async (t) => {
  const dir = await tempDir(t);
  const { platform } = await startTestPlatform(t, join(dir, 'platform'));
  const e = platform.endpoints;
  const world = await appWorld(t, platform);
  const cam = await world.provision('cam-creds');
  const other = await world.provision('cam-other');
  const url = e.iotCredentials ?? '';
  assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);

  const iot = new IoTClient(sdkOptions(e.iot, world.ca, e.credentials));
  t.after(() => iot.destroy());
  const endpoint = await iot.send(new DescribeEndpointCommand({ endpointType: 'iot:CredentialProvider' }));
  assert.equal(endpoint.endpointAddress, new URL(url).host);
  const aliases = await iot.send(new ListRoleAliasesCommand({}));
  assert.deepEqual(aliases.roleAliases, [CAMERA_ROLE_ALIAS]);
  const described = await iot.send(new DescribeRoleAliasCommand({ roleAlias: CAMERA_ROLE_ALIAS }));
  assert.equal(described.roleAliasDescription?.roleArn, 'arn:aws:iam::000000000000:role/camlink-camera');
  assert.equal(described.roleAliasDescription?.credentialDurationSeconds, 3600);

  const before = Date.now();
  const ok = await ask(url, world.ca, cam, CAMERA_ROLE_ALIAS, 'cam-creds');
  assert.equal(ok.status, 200, ok.body.message);
  const creds = ok.body.credentials ?? {};
  assert.match(creds['accessKeyId'] ?? '', /^ASIA[A-Z2-7]{16}$/);
  assert.ok((creds['secretAccessKey'] ?? '').length >= 40);
  assert.ok((creds['sessionToken'] ?? '').length >= 100);
  const expires = Date.parse(creds['expiration'] ?? '');
  assert.ok(expires >= before + 3_590_000 && expires <= Date.now() + 3_600_000);

  // curl, as the AWS developer guide shows it.
  await writeFile(join(dir, 'cam.cert.pem'), cam.certificatePem);
  await writeFile(join(dir, 'cam.key.pem'), cam.keyPem, { mode: 0o600 });
  const { stdout } = await promisify(execFile)('curl', [
    '--silent',
    '--show-error',
    '--fail',
    '--cacert',
    e.caPath,
    '--cert',
    join(dir, 'cam.cert.pem'),
    '--key',
    join(dir, 'cam.key.pem'),
    '-H',
    'x-amzn-iot-thingname: cam-creds',
    `${url}/role-aliases/${CAMERA_ROLE_ALIAS}/credentials`,
  ]);
  assert.match(
    (JSON.parse(stdout) as { credentials: { accessKeyId: string } }).credentials.accessKeyId,
    /^ASIA/,
  );

  // The temporary credentials are the camera role's: no IoT API, no SQS.
  const temporary = {
    accessKeyId: creds['accessKeyId'] ?? '',
    secretAccessKey: creds['secretAccessKey'] ?? '',
    sessionToken: creds['sessionToken'] ?? '',
  };
  const asCamera = new IoTClient(sdkOptions(e.iot, world.ca, temporary));
  t.after(() => asCamera.destroy());
  await assert.rejects(asCamera.send(new ListThingsCommand({})), { name: 'ForbiddenException' });
  const sqs = new SQSClient(sdkOptions(e.sqs, world.ca, temporary));
  t.after(() => sqs.destroy());
  await assert.rejects(sqs.send(new ListQueuesCommand({})), (err: Error) => /AccessDenied/.test(err.name));

  // The object store takes them for the camera's own media keys only.
  const s3 = new S3Client({ ...sdkOptions(e.s3, world.ca, temporary), forcePathStyle: true });
  t.after(() => s3.destroy());
  const own = { Bucket: 'camlink-media', Key: 'devices/cam-creds/direct.jpg' };
  await s3.send(new PutObjectCommand({ ...own, Body: 'bytes', ContentType: 'image/jpeg' }));
  const got = await s3.send(new GetObjectCommand(own));
  assert.equal(await got.Body?.transformToString(), 'bytes');
  await assert.rejects(
    s3.send(new PutObjectCommand({ Bucket: 'camlink-media', Key: 'devices/cam-other/x.jpg', Body: 'x' })),
    { name: 'AccessDenied' },
  );
  await assert.rejects(s3.send(new DeleteObjectCommand(own)), { name: 'AccessDenied' });
  await assert.rejects(s3.send(new ListObjectsV2Command({ Bucket: 'camlink-media' })), {
    name: 'AccessDenied',
  });

  // Refusals.
  assert.equal((await ask(url, world.ca, cam, CAMERA_ROLE_ALIAS, 'cam-other')).status, 403);
  assert.equal((await ask(url, world.ca, cam, 'no-such-alias', 'cam-creds')).status, 404);
  assert.equal((await ask(url, world.ca, cam, CAMERA_ROLE_ALIAS, 'bad name!')).status, 400);
  await assert.rejects(ask(url, world.ca, undefined, CAMERA_ROLE_ALIAS, 'cam-creds'));
  // A role alias the device policy does not name is refused even though it exists.
  await iot.send(
    new CreateRoleAliasCommand({
      roleAlias: 'someone-else',
      roleArn: 'arn:aws:iam::000000000000:role/other',
      credentialDurationSeconds: 900,
    }),
  );
  await iot.send(new UpdateRoleAliasCommand({ roleAlias: 'someone-else', credentialDurationSeconds: 1200 }));
  assert.equal((await ask(url, world.ca, cam, 'someone-else', 'cam-creds')).status, 403);
  await iot.send(new DeleteRoleAliasCommand({ roleAlias: 'someone-else' }));
  await assert.rejects(iot.send(new DescribeRoleAliasCommand({ roleAlias: 'someone-else' })), {
    name: 'ResourceNotFoundException',
  });
  await assert.rejects(iot.send(new CreateRoleAliasCommand({ roleAlias: 'x', roleArn: 'not-an-arn' })), {
    name: 'InvalidRequestException',
  });

  // A certificate made INACTIVE gets nothing (the other camera is unaffected).
  const otherId = certificateIdOf(
    Buffer.from(other.certificatePem.replace(/-----[^-]+-----|\s/g, ''), 'base64'),
  );
  await iot.send(new UpdateCertificateCommand({ certificateId: otherId, newStatus: 'INACTIVE' }));
  assert.equal((await ask(url, world.ca, other, CAMERA_ROLE_ALIAS, 'cam-other')).status, 403);
  assert.equal((await ask(url, world.ca, cam, CAMERA_ROLE_ALIAS, 'cam-creds')).status, 200);
});
