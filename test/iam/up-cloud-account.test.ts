/**
 * `camlink up` as a process with cloudAccount.enabled and iam.enabled: it says there is no backend,
 * writes endpoints.json without `api` and with `iam`, and stops cleanly; roles created through IAM are
 * still there after a restart (DATA_DIR/iam.db).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { endpointsSchema, type Endpoints } from '../../src/contracts/endpoints.js';
import { sdkOptions } from '../helpers/aws.js';
import { CAMLINK_BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

async function up(t: TestContext, dataDir: string, configFile: string) {
  const child = spawn(
    process.execPath,
    [
      CAMLINK_BIN,
      'up',
      '--config',
      configFile,
      '--data-dir',
      dataDir,
      '--ephemeral-ports',
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('endpoints ')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`camlink up exited ${code}: ${stdout}`)));
  });
  const endpoints: Endpoints = endpointsSchema.parse(
    JSON.parse(await readFile(join(dataDir, 'endpoints.json'), 'utf8')),
  );
  const stop = async () => {
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0);
  };
  return { stdout, endpoints, stop };
}

test('camlink up with cloudAccount.enabled: no backend, IAM served, roles persist', async (t) => {
  const dir = await tempDir(t);
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'camlink.json');
  await writeFile(configFile, JSON.stringify({ cloudAccount: { enabled: true }, iam: { enabled: true } }));

  const first = await up(t, dataDir, configFile);
  assert.match(first.stdout, /backend API +- \(fresh cloud account/);
  assert.match(first.stdout, /IAM \(SigV4\) +https:\/\/127\.0\.0\.1:\d+/);
  assert.equal(first.endpoints.api, undefined);
  assert.ok(first.endpoints.iam);
  const ca = await readFile(first.endpoints.caPath);
  const iam = new IAMClient(sdkOptions(first.endpoints.iam, ca, first.endpoints.credentials));
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'Kept',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  iam.destroy();
  await first.stop();

  const second = await up(t, dataDir, configFile);
  assert.ok(second.endpoints.iam);
  const again = new IAMClient(sdkOptions(second.endpoints.iam, ca, second.endpoints.credentials));
  t.after(() => again.destroy());
  assert.equal((await again.send(new GetRoleCommand({ RoleName: 'Kept' }))).Role?.RoleName, 'Kept');
  await second.stop();
});
