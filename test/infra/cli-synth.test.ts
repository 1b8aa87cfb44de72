/**
 * The real CDK CLI, offline: `cd infra && npx cdk synth --quiet -c region=cn-north-1` must work with no
 * AWS credentials and no network, and write an aws-cn template. Credentials and the EC2 metadata
 * service are switched off so the CLI cannot find (or wait for) an account. The output goes to a
 * temporary directory (`--output`) so concurrent runs do not share infra/cdk.out.
 * Takes about 10 s on the development machine (most of it the CLI and tsx starting).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { INFRA_DIR } from './helpers.js';

const run = promisify(execFile);

function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && !key.startsWith('CDK_')) env[key] = value;
  }
  return {
    ...env,
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_VERSION_CHECK: '1',
    CI: 'true',
  };
}

async function synth(args: string[]): Promise<{ out: string; stdout: string; stderr: string }> {
  const out = await mkdtemp(join(tmpdir(), 'camlink-cdk-'));
  try {
    const result = await run('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', out, ...args], {
      cwd: fileURLToPath(INFRA_DIR),
      env: offlineEnv(),
      timeout: 180_000,
    });
    return { out, ...result };
  } catch (err) {
    await rm(out, { recursive: true, force: true });
    throw err;
  }
}

test(
  '`cdk synth -c region=cn-north-1` works offline and writes an aws-cn template',
  { timeout: 200_000 },
  async () => {
    const { out } = await synth(['-c', 'region=cn-north-1']);
    try {
      const template = await readFile(join(out, 'camlink.template.json'), 'utf8');
      assert.ok(template.includes('arn:aws-cn:'), 'no arn:aws-cn: in the template');
      assert.ok(!template.includes('arn:aws:'), 'arn:aws: in the China template');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  },
);

test(
  '`cdk synth` refuses a China custom domain even with icpFiled=true, in one line',
  { timeout: 200_000 },
  async () => {
    const args = [
      '-c',
      'region=cn-north-1',
      '-c',
      'domainName=iot.example.cn',
      '-c',
      'hostedZoneId=Z0123456789ABCDEFGHIJ',
      '-c',
      'zoneName=example.cn',
      '-c',
      'iotEndpoint=a1b2c3.ats.iot.cn-north-1.amazonaws.com.cn',
      '-c',
      'icpFiled=true',
    ];
    await assert.rejects(synth(args), (err: unknown) => {
      const stderr = (err as { stderr?: string }).stderr ?? '';
      // Our one line; the CDK CLI adds its own "Subprocess exited" line after it.
      const ours = stderr.split('\n').filter((line) => line.startsWith('camlink infra:'));
      return (
        ours.length === 1 &&
        /^camlink infra: cn-north-1: AWS IoT in China does not support configurable endpoints/.test(
          ours[0] ?? '',
        )
      );
    });
  },
);
