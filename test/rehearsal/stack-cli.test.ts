/**
 * `camlink rehearsal stack deploy|destroy` as the rehearsal runs it: a separate process with the
 * preload, SDK clients given only a region (credentials from the environment), reaching the platform
 * (with its IAM service) under the cloud host names. The template is the real one, names rewritten
 * camlink -> stk (this platform has its own camlink-* resources).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { HOSTS_ENV } from '../../src/rehearsal/redirect.js';
import { CAMLINK_BIN, type CliRun } from '../helpers/cli.js';
import { buildStack } from '../infra/helpers.js';
import { globalTarget, startRehearsal, type RehearsalWorld } from './helpers.js';

const ACCOUNT = '123456789012';

function run(world: RehearsalWorld, argv: string[]): Promise<CliRun> {
  const root = new URL('../../', import.meta.url).pathname;
  const { credentials } = world.platform.endpoints;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--import', join(root, 'src/rehearsal/preload.ts'), CAMLINK_BIN, ...argv],
      {
        cwd: root,
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH ?? '',
          HOME: world.dir,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          AWS_CONFIG_FILE: join(world.dir, 'no-config'),
          AWS_SHARED_CREDENTIALS_FILE: join(world.dir, 'no-credentials'),
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          NODE_EXTRA_CA_CERTS: world.files.publicRootCert,
          [HOSTS_ENV]: world.hostsFile,
        },
      },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') reject(new Error(err.message));
        else resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
      },
    );
  });
}

test('rehearsal stack deploy/destroy through the preload with region-only clients', async (t) => {
  const world = await startRehearsal(t, globalTarget, {
    extra: { iot: { accountId: ACCOUNT }, iam: { enabled: true } },
  });
  const region = globalTarget.region;
  const json = Template.fromStack(buildStack(region)).toJSON() as {
    Resources: Record<string, unknown>;
    Outputs: Record<string, unknown>;
  };
  const out = join(world.dir, 'cdk.out');
  await mkdir(out);
  const template = join(out, 'stk.template.json');
  await writeFile(template, JSON.stringify(json).replaceAll('camlink', 'stk'));
  const outputs = join(out, 'outputs.json');

  const deployed = await run(world, [
    'rehearsal',
    'stack',
    'deploy',
    '--template',
    template,
    '--outputs',
    outputs,
    '--region',
    region,
    '--account',
    ACCOUNT,
  ]);
  assert.equal(deployed.code, 0, deployed.stderr);
  // The shape of `cdk deploy --outputs-file`, which docs/deploy.md reads (jq .camlink.UploadQueueUrl).
  const file = JSON.parse(deployed.stdout) as { stk: Record<string, string> };
  assert.deepEqual(JSON.parse(await readFile(outputs, 'utf8')), file);
  const printed = file.stk;
  // The queue answers with its cloud URL (tls.advertise.sqsUrl): what Ref gives, as on AWS.
  assert.equal(printed.UploadQueueUrl, `https://sqs.${region}.amazonaws.com/${ACCOUNT}/stk-uploads`);
  assert.equal(printed.MediaBucketName, `stk-media-${ACCOUNT}-${region}`);
  assert.equal(printed.JitpRoleArn, `arn:aws:iam::${ACCOUNT}:role/stk-jitp`);
  assert.equal(printed.CameraRoleAlias, 'stk-camera');
  assert.match(deployed.stderr, /stack: CREATE_COMPLETE IotUploadRule\w+ AWS::IoT::TopicRule stk_uploads/);
  assert.match(deployed.stderr, /stack: CREATE_COMPLETE IotDevicePolicy\w+ AWS::IoT::Policy stk-device/);
  assert.match(deployed.stderr, /stack: not rehearsed: AWS::S3::BucketPolicy MediaBucketPolicy/);

  const destroyed = await run(world, ['rehearsal', 'stack', 'destroy', '--template', template]);
  assert.equal(destroyed.code, 0, destroyed.stderr);
  assert.match(destroyed.stdout, /DELETE_COMPLETE UploadsQueue\w+ AWS::SQS::Queue https:\/\/sqs\./);
  assert.match(destroyed.stdout, /DELETE_COMPLETE IotCameraRole\w+ AWS::IAM::Role stk-camera/);
  assert.match(destroyed.stdout, /retained MediaBucket\w+ AWS::S3::Bucket stk-media-/);
});
