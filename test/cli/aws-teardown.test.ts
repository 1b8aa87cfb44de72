/**
 * `camlink aws teardown` against the embedded platform: two cameras JITP-provisioned by connecting
 * with certificates of the operator CA, their video streams created by the backend, an object and an
 * unfinished multipart upload in the media bucket. DeletePolicy camlink-device is refused while
 * attached (what makes `cdk destroy` fail); the dry run lists exactly that and changes nothing; --yes
 * leaves no certificate of the CA, no camera thing, no CA registration, no camera stream and no bucket;
 * DeletePolicy then succeeds; a second run is a no-op.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DeletePolicyCommand,
  DescribeCACertificateCommand,
  DescribeCertificateCommand,
  IoTClient,
  ListCACertificatesCommand,
  ListAttachedPoliciesCommand,
  ListCertificatesByCACommand,
  ListPrincipalThingsCommand,
  ListTargetsForPolicyCommand,
  ListThingsCommand,
} from '@aws-sdk/client-iot';
import { KinesisVideoClient, ListStreamsCommand } from '@aws-sdk/client-kinesis-video';
import {
  CreateMultipartUploadCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { BACKEND_POLICY_NAME } from '../../src/contracts/backend-policy.js';
import { DEVICE_POLICY_NAME } from '../../src/contracts/device-policy.js';
import { readOperatorCa } from '../../src/aws/operator-ca.js';
import { createDevice } from '../../src/pki/device.js';
import { pkiContext } from '../../src/pki/context.js';
import { sdkOptions } from '../helpers/aws.js';
import { cli } from '../helpers/cli.js';
import { connectMqtt } from '../helpers/endpoint.js';
import { rawRequest } from '../helpers/https.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

interface JsonTeardown {
  target: string;
  dryRun: boolean;
  steps: { operation: string; resource: string; result?: string; detail?: string }[];
  notes: string[];
}

const CAMERAS = ['cam-td-1', 'cam-td-2'];

test('teardown: dry run lists, --yes deletes the CA, its certificates, camera things, streams and bucket; rerun is a no-op', async (t) => {
  const dir = await tempDir(t);
  const dataDir = join(dir, 'platform');
  const { platform, config } = await startTestPlatform(t, dataDir);
  const e = platform.endpoints;
  const ca = await readFile(e.caPath);
  const iot = new IoTClient(sdkOptions(e.iot, ca, e.credentials));
  const kvs = new KinesisVideoClient(sdkOptions(e.kvs ?? '', ca, e.credentials));
  const s3 = new S3Client({ ...sdkOptions(e.s3, ca, e.credentials), forcePathStyle: true });
  const agent = new https.Agent({ ca });
  t.after(() => {
    iot.destroy();
    kvs.destroy();
    s3.destroy();
    agent.destroy();
  });
  const pki = pkiContext(dataDir, config.pki);
  const caId = (await readOperatorCa(pki)).certificateId;
  const token = (await readFile(platform.operatorTokenFile, 'utf8')).trim();
  const api = (method: string, path: string, body: unknown) =>
    rawRequest(agent, `${e.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  // Two cameras provisioned by JITP (the first CONNECT registers and provisions, then is dropped).
  const certificateIds: string[] = [];
  for (const id of CAMERAS) {
    const device = await createDevice(pki, id, { outDir: join(dir, 'devices'), force: false });
    await assert.rejects(
      connectMqtt(e.mqtt, {
        ca,
        cert: await readFile(device.certPath),
        key: await readFile(device.keyPath),
        clientId: id,
        servername: 'localhost',
      }),
      /closed before CONNACK/,
    );
    const described = await iot.send(new DescribeCertificateCommand({ certificateId: device.certificateId }));
    assert.equal(described.certificateDescription?.status, 'ACTIVE');
    certificateIds.push(device.certificateId);
    // The backend learns the camera and creates its video stream.
    assert.equal(
      (await api('POST', '/v1/devices', { deviceId: id, certificateId: device.certificateId })).status,
      201,
    );
    const stream = await api('POST', `/v1/devices/${id}/video/stream`, {});
    assert.equal(stream.status, 200, stream.body.toString());
  }
  const streamsBefore = (await kvs.send(new ListStreamsCommand({}))).StreamInfoList?.map((s) => s.StreamName);
  assert.deepEqual(
    streamsBefore?.filter((n) => n?.startsWith('cam-td-')),
    CAMERAS,
  );

  // The media bucket holds an object and an unfinished multipart upload.
  const bucket = config.backend.uploads.bucket;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'devices/cam-td-1/a.jpg', Body: 'jpeg' }));
  const mpu = await s3.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'devices/cam-td-2/b.mp4' }),
  );
  const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  assert.deepEqual(
    uploads.Uploads?.map((u) => [u.Key, u.UploadId]),
    [['devices/cam-td-2/b.mp4', mpu.UploadId]],
  );

  // What makes `cdk destroy` fail: the device policy is attached to the cameras' certificates.
  await assert.rejects(
    iot.send(new DeletePolicyCommand({ policyName: DEVICE_POLICY_NAME })),
    (err: Error) => err.name === 'DeleteConflictException',
  );
  await assert.rejects(
    iot.send(new DeletePolicyCommand({ policyName: BACKEND_POLICY_NAME })),
    (err: Error) => err.name === 'DeleteConflictException',
  );
  const targets = await iot.send(new ListTargetsForPolicyCommand({ policyName: DEVICE_POLICY_NAME }));
  assert.equal(targets.targets?.length, CAMERAS.length);

  const ourCertificates = async () =>
    (await iot.send(new ListCertificatesByCACommand({ caCertificateId: caId }))).certificates ?? [];
  const before = await ourCertificates();
  for (const id of certificateIds) assert.ok(before.some((c) => c.certificateId === id));

  // Dry run: lists, in order, and changes nothing.
  const args = ['aws', 'teardown', '--data-dir', dataDir, '--embedded', '--bucket', bucket];
  const dry = await cli([...args, '--json']);
  assert.equal(dry.code, 0, dry.stderr);
  const plan = JSON.parse(dry.stdout) as JsonTeardown;
  assert.equal(plan.dryRun, true);
  const ops = plan.steps.map((s) => s.operation);
  assert.equal(ops[0], 'UpdateCACertificate');
  assert.deepEqual(
    plan.steps.filter((s) => s.operation === 'DeleteStream').map((s) => s.resource.split(' ')[1]),
    CAMERAS,
  );
  assert.deepEqual(
    plan.steps
      .filter((s) => s.operation === 'DeleteCertificate')
      .map((s) => s.resource.split(' ')[1])
      .sort(),
    before.map((c) => c.certificateId).sort(),
  );
  // Exactly what exists: every thing and policy attached to a certificate of the CA.
  const attachedThings = new Set<string>();
  let attachedPolicies = 0;
  for (const c of before) {
    const arn = c.certificateArn ?? '';
    for (const thing of (await iot.send(new ListPrincipalThingsCommand({ principal: arn }))).things ?? [])
      attachedThings.add(thing);
    attachedPolicies +=
      (await iot.send(new ListAttachedPoliciesCommand({ target: arn }))).policies?.length ?? 0;
  }
  assert.deepEqual(
    plan.steps.filter((s) => s.operation === 'DeleteThing').map((s) => s.resource.slice('thing '.length)),
    [...attachedThings].sort(),
  );
  assert.equal(plan.steps.filter((s) => s.operation === 'DetachPolicy').length, attachedPolicies);
  for (const cam of CAMERAS) {
    assert.ok(plan.steps.some((s) => s.operation === 'DeleteThing' && s.resource === `thing ${cam}`));
    assert.ok(
      plan.steps.some(
        (s) => s.operation === 'DetachThingPrincipal' && s.resource.startsWith(`thing ${cam} `),
      ),
    );
  }
  assert.equal(
    plan.steps.filter(
      (s) => s.operation === 'DetachPolicy' && s.resource.startsWith(`policy ${DEVICE_POLICY_NAME} `),
    ).length,
    CAMERAS.length,
  );
  assert.deepEqual(ops.slice(-4), [
    'DeleteCACertificate',
    'AbortMultipartUpload',
    'DeleteObject',
    'DeleteBucket',
  ]);
  // Each certificate: its detaches and deactivation come before its deletion; things after detaching.
  const index = (op: string, prefix: string) =>
    plan.steps.findIndex((s) => s.operation === op && s.resource.startsWith(prefix));
  for (const id of certificateIds) {
    assert.ok(
      index('DetachPolicy', `policy ${DEVICE_POLICY_NAME} from certificate ${id}`) <
        index('DeleteCertificate', `certificate ${id}`),
    );
    assert.ok(
      index('UpdateCertificate', `certificate ${id}`) < index('DeleteCertificate', `certificate ${id}`),
    );
  }
  assert.equal((await ourCertificates()).length, before.length, 'the dry run deleted nothing');
  assert.equal(
    (await iot.send(new DescribeCACertificateCommand({ certificateId: caId }))).certificateDescription
      ?.status,
    'ACTIVE',
  );
  await s3.send(new HeadBucketCommand({ Bucket: bucket }));

  const human = await cli(args);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /would delete \(embedded\), in order; run again with --yes/);
  assert.match(human.stdout, /^ +1\. UpdateCACertificate CA [0-9a-f]{64} -> INACTIVE$/m);

  // --yes: everything goes.
  const run = await cli([...args, '--yes', '--json']);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const done = JSON.parse(run.stdout) as JsonTeardown;
  assert.equal(done.dryRun, false);
  assert.deepEqual(
    done.steps.map((s) => s.operation),
    ops,
  );
  for (const s of done.steps)
    assert.equal(s.result, 'done', `${s.operation} ${s.resource}: ${s.detail ?? ''}`);
  assert.match(run.stderr, /teardown: \[1\/\d+\] UpdateCACertificate/);

  await assert.rejects(
    iot.send(new DescribeCACertificateCommand({ certificateId: caId })),
    (err: Error) => err.name === 'ResourceNotFoundException',
  );
  const cas = (await iot.send(new ListCACertificatesCommand({}))).certificates ?? [];
  assert.ok(!cas.some((c) => c.certificateId === caId));
  for (const id of certificateIds) {
    await assert.rejects(
      iot.send(new DescribeCertificateCommand({ certificateId: id })),
      (err: Error) => err.name === 'ResourceNotFoundException',
    );
  }
  const things = (await iot.send(new ListThingsCommand({}))).things?.map((x) => x.thingName) ?? [];
  for (const cam of CAMERAS) assert.ok(!things.includes(cam), `thing ${cam} is gone`);
  const streams = (await kvs.send(new ListStreamsCommand({}))).StreamInfoList?.map((s) => s.StreamName) ?? [];
  for (const cam of CAMERAS) assert.ok(!streams.includes(cam), `stream ${cam} is gone`);
  await assert.rejects(
    s3.send(new HeadBucketCommand({ Bucket: bucket })),
    (err: Error) => err.name === 'NotFound',
  );

  // What `cdk destroy` does next now succeeds, for both policies the stack owns.
  await iot.send(new DeletePolicyCommand({ policyName: DEVICE_POLICY_NAME }));
  await iot.send(new DeletePolicyCommand({ policyName: BACKEND_POLICY_NAME }));

  // A second run finds nothing and exits 0.
  const again = await cli([...args, '--yes']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing to delete/);
  assert.match(again.stdout, /note: the operator CA [0-9a-f]{64} is not registered/);
  assert.match(again.stdout, new RegExp(`note: bucket ${bucket} does not exist`));
});

test('teardown usage errors are one coded line, before any network call', async () => {
  const badBucket = await cli(['aws', 'teardown', '--embedded', '--bucket', 'Bad_Bucket']);
  assert.equal(badBucket.code, 2);
  assert.match(badBucket.stderr, /--bucket "Bad_Bucket" is not an S3 bucket name \[CLI_USAGE\]/);
  const badKvs = await cli(['aws', 'teardown', '--embedded', '--kvs-endpoint', 'ftp://x']);
  assert.equal(badKvs.code, 2);
  assert.match(badKvs.stderr, /--kvs-endpoint must be an http\(s\) URL .*\[CLI_USAGE\]/);
});
