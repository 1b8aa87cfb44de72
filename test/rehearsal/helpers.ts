/** Rehearsal fixtures: a public PKI for a target, the platform presenting it, and cloud-shaped clients. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import type { ConfigInput } from '../../src/config/schema.js';
import { cloudNames, kvsDataEndpoint, type CloudTarget } from '../../src/rehearsal/names.js';
import { createPublicPki, writePublicPki, type PublicPkiFiles } from '../../src/rehearsal/pki.js';
import { hostMapFor } from '../../src/rehearsal/host-map.js';
import { HOSTS_ENV } from '../../src/rehearsal/redirect.js';
import type { RunningPlatform } from '../../src/platform/platform.js';
import type { Clock } from '../../src/util/clock.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

export const globalTarget: CloudTarget = {
  partition: 'aws',
  region: 'ap-northeast-1',
  account: '000000000000',
  iotEndpointPrefix: 'a1b2c3d4e5f6g7',
};

export const chinaTarget: CloudTarget = {
  partition: 'aws-cn',
  region: 'cn-north-1',
  account: '000000000000',
  iotEndpointPrefix: 'a1b2c3d4e5f6g7',
  cos: { appId: '1250000000', region: 'ap-shanghai' },
};

export interface RehearsalWorld {
  readonly dir: string;
  readonly files: PublicPkiFiles;
  readonly platform: RunningPlatform;
  readonly hostsFile: string;
}

/** The platform presenting `target`'s public PKI, and the host map that leads clients to it. */
export async function startRehearsal(
  t: TestContext,
  target: CloudTarget,
  options: { extra?: ConfigInput; clock?: Clock; onLog?: (line: Record<string, unknown>) => void } = {},
): Promise<RehearsalWorld> {
  const dir = await tempDir(t, 'camlink-rehearsal-');
  const files = await writePublicPki(await createPublicPki(target), join(dir, 'public-pki'));
  const names = cloudNames(target);
  const extra = options.extra ?? {};
  const { platform } = await startTestPlatform(t, join(dir, 'data'), {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.onLog ? { onLog: options.onLog } : {}),
    extra: {
      ...extra,
      iot: { partition: target.partition, region: target.region, ...extra.iot },
      storage: {
        region: target.region,
        partition: target.partition,
        virtualHostDomains: [
          'localhost',
          names.s3VirtualHostDomain,
          ...(names.cos ? [names.cos.virtualHostDomain] : []),
        ],
        ...extra.storage,
      },
      tls: {
        services: { certFile: files.publicServerCert, keyFile: files.publicServerKey },
        iotData: { certFile: files.atsServerCert, keyFile: files.atsServerKey },
        advertise: {
          iotData: names.iotData,
          iotCredentials: names.iotCredentials,
          sqsUrl: `https://${names.sqs}`,
          kvsDataEndpoint: kvsDataEndpoint(target, 's-1a2b3c4d'),
        },
      },
      backend: { mqttSession: false, ...extra.backend },
    },
  });
  const hostsFile = join(dir, 'hosts.json');
  await writeFile(hostsFile, JSON.stringify(hostMapFor(target, platform.endpoints)), { mode: 0o600 });
  return { dir, files, platform, hostsFile };
}

export interface StepResult {
  i: number;
  op: string;
  ok: boolean;
  value?: unknown;
  error?: { name?: string; code?: string; message?: string };
}

/**
 * Runs test/rehearsal/fixtures/cloud-client.ts with the preload, NODE_EXTRA_CA_CERTS and only the
 * environment given (no AWS_* from this machine). `onResult` sees each step's line as it comes and may
 * answer a following "wait" step by calling `proceed`.
 */
export async function runCloudClient(
  world: RehearsalWorld,
  plan: { region: string; steps: readonly Record<string, unknown>[] },
  env: Record<string, string>,
  onResult: (result: StepResult, proceed: () => void) => void | Promise<void> = () => undefined,
): Promise<StepResult[]> {
  const root = new URL('../../', import.meta.url).pathname;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      join(root, 'src/rehearsal/preload.ts'),
      join(root, 'test/rehearsal/fixtures/cloud-client.ts'),
      JSON.stringify(plan),
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
        NODE_EXTRA_CA_CERTS: world.files.publicRootCert,
        [HOSTS_ENV]: world.hostsFile,
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const results: StepResult[] = [];
  const proceed = () => child.stdin.write('go\n');
  for await (const line of createInterface({ input: child.stdout })) {
    const result = JSON.parse(line) as StepResult;
    results.push(result);
    await onResult(result, proceed);
  }
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`cloud client exited ${String(code)}: ${stderr}`);
  return results;
}

export function ok(results: readonly StepResult[], i: number): unknown {
  const r = results[i];
  if (r === undefined || !r.ok) throw new Error(`step ${i} failed: ${JSON.stringify(r)}`);
  return r.value;
}
