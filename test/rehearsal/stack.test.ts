/**
 * The `cdk deploy` / `cdk destroy` stand-in applies the real synthesized camlink template (in-process
 * synth, the app context of infra/cdk.json) to an embedded platform. The platform here is a normal
 * one (it has its own camlink-* resources), so the template's names are rewritten camlink -> stk, and
 * IAM, which this platform does not serve, is an in-memory IamPort recording the calls.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AttachPolicyCommand,
  CreateCertificateFromCsrCommand,
  DetachPolicyCommand,
  GetPolicyCommand,
  GetTopicRuleCommand,
  DescribeRoleAliasCommand,
  IoTClient,
  ListTopicRulesCommand,
} from '@aws-sdk/client-iot';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Template } from 'aws-cdk-lib/assertions';
import { x509 } from '../../src/pki/x509.js';
import { subtle } from '../../src/pki/keys.js';
import { isCamlinkError } from '../../src/errors/camlink-error.js';
import { deployStack } from '../../src/rehearsal/stack/deploy.js';
import { destroyStack } from '../../src/rehearsal/stack/destroy.js';
import type { IamPort, StackClients } from '../../src/rehearsal/stack/ports.js';
import { loadTemplate } from '../../src/rehearsal/stack/template.js';
import { sdkOptions } from '../helpers/aws.js';
import { tempDir } from '../helpers/tmp.js';
import { startTestPlatform } from '../helpers/platform.js';
import { buildStack } from '../infra/helpers.js';

const REGION = 'ap-northeast-1';
const ACCOUNT = '123456789012';

/** IAM as a map; DeleteRole with policies left is DeleteConflict, as IAM answers. */
function memoryIam() {
  const roles = new Map<string, { inline: Map<string, string>; managed: Set<string> }>();
  const role = (name: string) => {
    const r = roles.get(name);
    if (r === undefined) throw Object.assign(new Error(`role ${name} not found`), { name: 'NoSuchEntity' });
    return r;
  };
  const port: IamPort = {
    createRole({ roleName }) {
      if (roles.has(roleName)) throw Object.assign(new Error(roleName), { name: 'EntityAlreadyExists' });
      roles.set(roleName, { inline: new Map(), managed: new Set() });
      return Promise.resolve({
        arn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
        roleId: `AROA${roleName.length}`,
      });
    },
    putRolePolicy(roleName, policyName, document) {
      role(roleName).inline.set(policyName, document);
      return Promise.resolve();
    },
    deleteRolePolicy(roleName, policyName) {
      role(roleName).inline.delete(policyName);
      return Promise.resolve();
    },
    attachRolePolicy(roleName, arn) {
      role(roleName).managed.add(arn);
      return Promise.resolve();
    },
    detachRolePolicy(roleName, arn) {
      role(roleName).managed.delete(arn);
      return Promise.resolve();
    },
    deleteRole(roleName) {
      const r = role(roleName);
      if (r.inline.size > 0 || r.managed.size > 0)
        throw Object.assign(new Error(`${roleName} has policies`), { name: 'DeleteConflict' });
      roles.delete(roleName);
      return Promise.resolve();
    },
  };
  return { port, roles };
}

async function writeTemplate(
  dir: string,
  edit: (t: Record<string, unknown>) => void = () => undefined,
  prefix = 'stk',
) {
  const json = Template.fromStack(buildStack(REGION)).toJSON() as Record<string, unknown>;
  edit(json);
  const path = join(dir, `${prefix}.template.json`);
  await writeFile(path, JSON.stringify(json).replaceAll('camlink', prefix));
  return path;
}

async function setup(t: TestContext) {
  const dir = await tempDir(t);
  const { platform } = await startTestPlatform(t, join(dir, 'platform'), {
    extra: {
      iot: { region: REGION, accountId: ACCOUNT },
      storage: { region: REGION },
      backend: { reconciler: { enabled: false } },
    },
  });
  const e = platform.endpoints;
  const ca = await readFile(e.caPath);
  const opts = (endpoint: string) => ({ ...sdkOptions(endpoint, ca, e.credentials), region: REGION });
  const iam = memoryIam();
  const clients: StackClients = {
    s3: new S3Client({ ...opts(e.s3), forcePathStyle: true }),
    sqs: new SQSClient(opts(e.sqs)),
    iot: new IoTClient(opts(e.iot)),
    iam: iam.port,
    destroy() {
      this.s3.destroy();
      this.sqs.destroy();
      this.iot.destroy();
    },
  };
  t.after(() => clients.destroy());
  return { dir, clients, iam };
}

test('stack stand-in: the camlink template deploys, reports what is not rehearsed, destroys as CloudFormation', async (t) => {
  const { dir, clients, iam } = await setup(t);
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  const statePath = join(dir, 'out', 'stk.stack-state.json');

  // A type the stand-in does not know fails the deploy before anything is created.
  const bad = await tempDir(t);
  const badPath = await writeTemplate(bad, (tpl) => {
    (tpl.Resources as Record<string, unknown>).Fn = { Type: 'AWS::Lambda::Function', Properties: {} };
  });
  await assert.rejects(
    deployStack({
      loaded: await loadTemplate(badPath),
      region: REGION,
      account: ACCOUNT,
      clients,
      statePath,
      log,
    }),
    (err) =>
      isCamlinkError(err, 'STACK_TEMPLATE_INVALID') && /AWS::Lambda::Function is not known/.test(err.message),
  );
  await assert.rejects(access(statePath));
  assert.equal(iam.roles.size, 0);

  const templatePath = await writeTemplate(dir);
  const loaded = await loadTemplate(templatePath);
  assert.equal(loaded.stackName, 'stk');
  const outputsPath = join(dir, 'out', 'outputs.json');
  const report = await deployStack({
    loaded,
    region: REGION,
    account: ACCOUNT,
    clients,
    statePath,
    outputsPath,
    log,
  });
  assert.equal(report.unchanged, false);
  const { outputs } = report;
  const queueUrl = typeof outputs.UploadQueueUrl === 'string' ? outputs.UploadQueueUrl : '';
  assert.deepEqual(JSON.parse(await readFile(outputsPath, 'utf8')), { stk: outputs });
  assert.match(queueUrl, new RegExp(`/${ACCOUNT}/stk-uploads$`));
  assert.equal(outputs.MediaBucketName, `stk-media-${ACCOUNT}-${REGION}`);
  assert.equal(outputs.CameraRoleAlias, 'stk-camera');
  assert.equal(outputs.JitpRoleArn, `arn:aws:iam::${ACCOUNT}:role/stk-jitp`);
  assert.equal(outputs.VideoRegion, REGION);

  // Everything not reproduced is listed, never dropped.
  const notRehearsed = report.notRehearsed.join('\n');
  for (const expected of [
    /AWS::S3::BucketPolicy MediaBucketPolicy/,
    /AWS::SQS::QueuePolicy UploadsQueuePolicy/,
    /AWS::IoT::ThingType IotCameraThingType/,
    /AWS::SQS::Queue UploadsQueue\w+: SqsManagedSseEnabled/,
    /AWS::S3::Bucket MediaBucket\w+: BucketEncryption/,
    /AWS::S3::Bucket MediaBucket\w+: LifecycleConfiguration/,
    /AWS::S3::Bucket MediaBucket\w+: CorsConfiguration \(the object store does not implement bucket CORS\)/,
    /Rules\.CheckBootstrapVersion/,
    /Parameters\.BootstrapVersion/,
  ])
    assert.match(notRehearsed, expected);

  // The resources exist with the template's settings.
  const rule = await clients.iot.send(new GetTopicRuleCommand({ ruleName: 'stk_uploads' }));
  assert.equal(rule.rule?.actions?.[0]?.sqs?.queueUrl, outputs.UploadQueueUrl);
  assert.equal(
    rule.rule?.actions?.[0]?.sqs?.roleArn,
    `arn:aws:iam::${ACCOUNT}:role/${[...iam.roles.keys()].find((n) => n.includes('UploadRuleRole'))}`,
  );
  assert.match(rule.rule?.errorAction?.sqs?.queueUrl ?? '', /\/stk-uploads-dlq$/);
  const alias = await clients.iot.send(new DescribeRoleAliasCommand({ roleAlias: 'stk-camera' }));
  assert.equal(alias.roleAliasDescription?.roleArn, `arn:aws:iam::${ACCOUNT}:role/stk-camera`);
  assert.equal(alias.roleAliasDescription?.credentialDurationSeconds, 3600);
  const device = await clients.iot.send(new GetPolicyCommand({ policyName: 'stk-device' }));
  assert.match(device.policyDocument ?? '', /rolealias\/stk-camera/);
  const attrs = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
  );
  assert.equal(attrs.Attributes?.VisibilityTimeout, '60');
  assert.match(attrs.Attributes?.RedrivePolicy ?? '', /stk-uploads-dlq/);
  assert.deepEqual(
    [...(iam.roles.get('stk-jitp')?.managed ?? [])],
    ['arn:aws:iam::aws:policy/service-role/AWSIoTThingsRegistration'],
  );
  assert.ok(iam.roles.get('stk-camera')?.inline.has('stk-camera'));
  const uploadRole = [...iam.roles.values()].find((r) =>
    [...r.inline.keys()].some((k) => k.includes('UploadRuleRoleDefaultPolicy')),
  );
  assert.ok(uploadRole !== undefined, 'the AWS::IAM::Policy is put on its role');

  // Same template again: no changes. Another template: refused.
  const again = await deployStack({ loaded, region: REGION, account: ACCOUNT, clients, statePath, log });
  assert.equal(again.unchanged, true);
  const changed = await tempDir(t);
  const changedPath = await writeTemplate(changed, (tpl) => {
    tpl.Description = 'changed';
  });
  await assert.rejects(
    deployStack({
      loaded: await loadTemplate(changedPath),
      region: REGION,
      account: ACCOUNT,
      clients,
      statePath,
      log,
    }),
    (err) => isCamlinkError(err, 'STACK_EXISTS'),
  );

  // A certificate attached to the device policy: DeletePolicy fails, the destroy is DELETE_FAILED.
  const keys = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=cam',
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const cert = await clients.iot.send(
    new CreateCertificateFromCsrCommand({
      certificateSigningRequest: csr.toString('pem'),
      setAsActive: true,
    }),
  );
  await clients.iot.send(new AttachPolicyCommand({ policyName: 'stk-device', target: cert.certificateArn }));
  await assert.rejects(
    destroyStack({ stackName: 'stk', clients, statePath, log }),
    (err) =>
      isCamlinkError(err, 'STACK_DESTROY_FAILED') &&
      /DELETE_FAILED IotDevicePolicy\w+ \(AWS::IoT::Policy stk-device\): DeleteConflictException/.test(
        err.message,
      ),
  );
  // The rest was deleted; the policy stays recorded.
  await assert.rejects(clients.sqs.send(new GetQueueUrlCommand({ QueueName: 'stk-uploads' })));
  assert.deepEqual(
    (await clients.iot.send(new ListTopicRulesCommand({}))).rules?.map((r) => r.ruleName),
    ['camlink_uploads'],
  );
  const kept = JSON.parse(await readFile(statePath, 'utf8')) as {
    status: string;
    resources: { logicalId: string }[];
  };
  assert.equal(kept.status, 'DELETE_FAILED');
  assert.deepEqual(
    kept.resources.map((r) => r.logicalId.replace(/[0-9A-F]{8}$/, '')),
    ['IotDevicePolicy'],
  );

  await clients.iot.send(new DetachPolicyCommand({ policyName: 'stk-device', target: cert.certificateArn }));
  const done = await destroyStack({ stackName: 'stk', clients, statePath, log });
  assert.deepEqual(
    done.deleted.map((id) => id.replace(/[0-9A-F]{8}$/, '')),
    ['IotDevicePolicy'],
  );
  await assert.rejects(clients.iot.send(new GetPolicyCommand({ policyName: 'stk-device' })));
  await assert.rejects(access(statePath));
  assert.equal(iam.roles.size, 0);
  // DeletionPolicy Retain: the media bucket stays (camlink aws teardown --bucket deletes it).
  await clients.s3.send(new HeadBucketCommand({ Bucket: `stk-media-${ACCOUNT}-${REGION}` }));
  // Nothing deployed: destroy has nothing to do.
  assert.equal((await destroyStack({ stackName: 'stk', clients, statePath, log })).absent, true);
});

test('stack stand-in: a resource that fails to create rolls the deploy back (Retain kept)', async (t) => {
  const { dir, clients, iam } = await setup(t);
  const lines: string[] = [];
  const statePath = join(dir, 'rb.stack-state.json');
  // The IoT API refuses a Lambda action: the topic rule's creation fails after most of the stack exists.
  const path = await writeTemplate(
    dir,
    (tpl) => {
      const resources = tpl.Resources as Record<
        string,
        { Type: string; Properties: Record<string, unknown> }
      >;
      const rule = Object.values(resources).find((r) => r.Type === 'AWS::IoT::TopicRule');
      const payload = rule?.Properties.TopicRulePayload as { Actions: unknown[] };
      payload.Actions.push({ Lambda: { FunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:f` } });
    },
    'rb',
  );
  await assert.rejects(
    deployStack({
      loaded: await loadTemplate(path),
      region: REGION,
      account: ACCOUNT,
      clients,
      statePath,
      log: (line) => lines.push(line),
    }),
    (err) =>
      isCamlinkError(err, 'STACK_DEPLOY_FAILED') &&
      /CREATE_FAILED IotUploadRule\w+ \(AWS::IoT::TopicRule\): InvalidRequestException: .*lambda action is not supported here .*; rolled back$/.test(
        err.message,
      ),
  );
  assert.ok(lines.some((l) => /^ROLLBACK DELETE_COMPLETE UploadsQueue/.test(l)));
  await assert.rejects(clients.sqs.send(new GetQueueUrlCommand({ QueueName: 'rb-uploads' })));
  await assert.rejects(clients.iot.send(new GetPolicyCommand({ policyName: 'rb-device' })));
  assert.equal(iam.roles.size, 0);
  await assert.rejects(access(statePath));
  await clients.s3.send(new HeadBucketCommand({ Bucket: `rb-media-${ACCOUNT}-${REGION}` }));
});
