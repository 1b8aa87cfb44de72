/**
 * @aws-sdk/client-iam with only a region reaches the platform's IAM under the cloud's IAM host name
 * (iam.amazonaws.com / iam.cn-north-1.amazonaws.com.cn) through the preload's redirect, verifying the
 * rehearsal's public certificate and signing for IAM's region.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { HOSTS_ENV } from '../../src/rehearsal/redirect.js';
import { chinaTarget, globalTarget, startRehearsal } from './helpers.js';

for (const target of [globalTarget, chinaTarget, { ...chinaTarget, region: 'cn-northwest-1' }]) {
  test(`client-iam reaches the platform's IAM as ${target.partition} ${target.region}`, async (t) => {
    const world = await startRehearsal(t, target, { extra: { iam: { enabled: true } } });
    const { credentials } = world.platform.endpoints;
    const root = new URL('../../', import.meta.url).pathname;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        join(root, 'src/rehearsal/preload.ts'),
        join(root, 'test/rehearsal/fixtures/iam-client.ts'),
        target.region,
        target.partition,
        target.account,
      ],
      {
        cwd: root,
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
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, err);
    const result = JSON.parse(out) as Record<string, unknown>;
    const arn = `arn:${target.partition}:iam::${target.account}:role/RehearsalRole`;
    assert.deepEqual(result, {
      arn,
      gotArn: arn,
      attached: [`arn:${target.partition}:iam::aws:policy/service-role/AWSIoTThingsRegistration`],
      listed: ['RehearsalRole'],
      conflict: 'DeleteConflictException',
      after: [],
    });
  });
}
