/**
 * One target of `npm run rehearse`: a temp dir; the manual's variables (region, account, COS) decide the
 * cloud; the public PKI; `camlink up` as a child with the rehearsal's platform config; the client
 * environment; then the manual's commands in order (executor.ts), the rehearsal's own checks (a second
 * upload after the backend's STS session expired; after the teardown nothing is left: the teardown's
 * dry run finds nothing, doctor reports things missing), and the platform stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { readEndpoints } from '../../contracts/endpoints.js';
import type { CloudTarget } from '../names.js';
import { createPublicPki, writePublicPki } from '../pki.js';
import { prepareEnvironment } from './environment.js';
import { ManualExecutor, StepFailed } from './executor.js';
import { manualBlocks, planFor, type ManualCommand, type RehearsalTarget } from './manual.js';
import { REHEARSAL_SESSION_SECONDS, rehearsalPlatformConfig } from './platform-config.js';
import { resolveCommand } from './substitutions.js';

/** Every target's IoT endpoint prefix (DescribeEndpoint answers it under the cloud names). */
const IOT_ENDPOINT_PREFIX: Record<RehearsalTarget, string> = {
  aws: 'a1b2c3d4e5f6g7',
  'aws-cn': 'b2c3d4e5f6g7h8',
  cos: 'c3d4e5f6g7h8i9',
};

/** What an interrupted run must stop (the executor's process groups, the platform). */
const cleanups = new Set<() => Promise<void>>();

/** Stops everything the running targets started (main calls it on SIGINT/SIGTERM). */
export async function stopEverything(): Promise<void> {
  await Promise.all([...cleanups].map((cleanup) => cleanup().catch(() => undefined)));
}

export interface TargetRunOptions {
  readonly repoDir: string;
  readonly report: (line: string) => void;
  /** Keep the temp dir (logs, configs) after a run. */
  readonly keep: boolean;
  readonly timeoutMs?: number;
}

export interface TargetResult {
  readonly target: RehearsalTarget;
  readonly ok: boolean;
  readonly dir: string;
  readonly failure?: string;
}

function check(text: string): ManualCommand {
  return { text, line: 0, step: undefined, background: false, teardown: false };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** `camlink up` with the rehearsal config; resolves once it printed its endpoints. */
async function startPlatform(
  repoDir: string,
  dir: string,
  configFile: string,
  timeoutMs: number,
): Promise<{ child: ChildProcess; stop: () => Promise<void>; log: () => string }> {
  const log = join(dir, 'platform.log');
  const child = spawn(
    process.execPath,
    [
      join(repoDir, 'bin', 'camlink'),
      'up',
      '--config',
      configFile,
      '--data-dir',
      join(dir, 'platform'),
      '--ephemeral-ports',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, HOME: process.env.HOME } },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let output = '';
  const logText: string[] = [];
  const ready = new Promise<'ready'>((resolve) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      logText.push(text);
      output = (output + text).slice(-65_536);
      if (/camlink is up/.test(output) && /endpoints\s+\S+/.test(output)) resolve('ready');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const late = delay(15_000, 'late' as const);
    if ((await Promise.race([exited, late])) === 'late') child.kill('SIGKILL');
    await exited;
    await writeFile(log, logText.join(''), { mode: 0o600 });
  };
  const outcome = await Promise.race([
    ready,
    exited.then(() => 'exited' as const),
    delay(timeoutMs, 'timeout' as const),
  ]);
  if (outcome !== 'ready') {
    await stop();
    const tail = output.split('\n').filter(Boolean).slice(-5).join('\n    ');
    throw new StepFailed(
      'platform',
      `camlink up ${outcome === 'timeout' ? 'was not up in time' : 'exited'}\n    ${tail}`,
    );
  }
  return { child, stop, log: () => logText.join('') };
}

/**
 * The distinct sessions of the backend role STS handed out (the platform's AssumeRole log lines): two
 * or more once the backend has kept working across an expiry.
 */
export function backendRoleSessions(platformLog: string): number {
  const keys = new Set<string>();
  for (const line of platformLog.split('\n')) {
    if (!line.includes('"msg":"AssumeRole"')) continue;
    try {
      const entry = JSON.parse(line) as { roleArn?: unknown; accessKeyId?: unknown };
      if (typeof entry.roleArn === 'string' && /:role\/[^/]*BackendRole/.test(entry.roleArn)) {
        keys.add(String(entry.accessKeyId));
      }
    } catch {
      // not a log line
    }
  }
  return keys.size;
}

export async function rehearseTarget(
  target: RehearsalTarget,
  options: TargetRunOptions,
): Promise<TargetResult> {
  const dir = await mkdtemp(join(tmpdir(), `camlink-rehearse-${target}-`));
  const report = options.report;
  let stopPlatform: (() => Promise<void>) | undefined;
  let executor: ManualExecutor | undefined;
  const plan = planFor(manualBlocks(), target);
  let ok = false;
  const cleanup = async () => {
    await executor?.stopAll(2_000);
    await stopPlatform?.();
  };
  cleanups.add(cleanup);
  try {
    // The manual's variables decide the cloud: read them in a bare shell first.
    const vars = new ManualExecutor({
      stateDir: join(dir, 'vars-state'),
      cwd: dir,
      env: { PATH: process.env.PATH },
      resolve: (text) => resolveCommand(text, { camlink: '', cdkOut: '', atsRoot: '', cosMakeBucket: '' }),
      logFile: join(dir, 'rehearse.log'),
      report: () => undefined,
      label: target,
    });
    for (const command of plan.vars) await vars.run(command);
    const v = await vars.read(['REGION', 'PARTITION', 'ACCOUNT', 'APPID', 'COS_REGION']);
    const cloud: CloudTarget = {
      partition: v.PARTITION === 'aws-cn' ? 'aws-cn' : 'aws',
      region: v.REGION ?? '',
      account: v.ACCOUNT ?? '',
      iotEndpointPrefix: IOT_ENDPOINT_PREFIX[target],
      ...(target === 'cos' ? { cos: { appId: v.APPID ?? '', region: v.COS_REGION ?? '' } } : {}),
    };

    const started = performance.now();
    const pki = await writePublicPki(await createPublicPki(cloud), join(dir, 'public-pki'));
    const configFile = join(dir, 'platform.json');
    await writeFile(configFile, `${JSON.stringify(rehearsalPlatformConfig(cloud, pki), null, 2)}\n`, {
      mode: 0o600,
    });
    await mkdir(join(dir, 'platform'), { recursive: true });
    const platform = await startPlatform(options.repoDir, dir, configFile, options.timeoutMs ?? 180_000);
    stopPlatform = platform.stop;
    report(
      `${target} platform  camlink up (${cloud.partition} ${cloud.region}, account ${cloud.account})  ok  ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    const endpoints = await readEndpoints(join(dir, 'platform', 'endpoints.json'));
    const environment = await prepareEnvironment({
      repoDir: options.repoDir,
      dir,
      target: cloud,
      endpoints,
      pki,
    });
    executor = new ManualExecutor({
      stateDir: join(dir, 'state'),
      cwd: environment.workDir,
      env: environment.env,
      resolve: (text) =>
        resolveCommand(text, {
          camlink: join(options.repoDir, 'bin', 'camlink'),
          cdkOut: join(dir, 'cdk.out'),
          atsRoot: pki.atsRootCert,
          cosMakeBucket: join(options.repoDir, 'src', 'rehearsal', 'run', 'cos-bucket-main.ts'),
        }),
      logFile: join(dir, 'rehearse.log'),
      report,
      label: target,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    // The manual's prerequisite: the operator CA.
    await executor.run(check('./bin/camlink ca init'));
    for (const command of plan.vars) await executor.run(command);
    // The backend's port: a free one instead of the manual's 8080 (documented override).
    await executor.run(check(`BACKEND_PORT=${await freePort()}`));
    if (target === 'cos') {
      // The CAM role §4 has the operator create in the Tencent console, limited to the media bucket.
      const roleScript = join(options.repoDir, 'src', 'rehearsal', 'run', 'cos-role-main.ts');
      await executor.run(
        check(`node ${roleScript} "\${COS_ROLE##*roleName/}" camlink-media-$APPID $PARTITION $ACCOUNT`),
      );
    }

    let backendReadyAt: number | undefined;
    for (const command of plan.commands) {
      if (command.teardown && executor.running().length > 0) {
        // The backend kept reconciling after its STS session expired: a second upload, past the expiry.
        if (backendReadyAt !== undefined) {
          const wait = backendReadyAt + (REHEARSAL_SESSION_SECONDS + 5) * 1000 - performance.now();
          if (wait > 0) await delay(wait);
          await executor.run(check('./bin/camlink app upload --camera 127.0.0.1:15740 $APP'));
          const sessions = backendRoleSessions(platform.log());
          if (sessions < 2) {
            throw new StepFailed(
              'rehearsal',
              `the backend role was assumed ${sessions} time(s): its credentials were not renewed across the STS expiry`,
            );
          }
          report(`${target} rehearsal  backend role sessions across the STS expiry: ${sessions}  ok`);
        }
        const at = performance.now();
        await executor.stopAll();
        report(
          `${target} teardown  stop the backend and cameras  ok  ${((performance.now() - at) / 1000).toFixed(1)} s`,
        );
      }
      await executor.run(command);
      if (command.background && /camlink backend\b/.test(command.text)) backendReadyAt = performance.now();
    }
    // Nothing is left: the teardown's dry run finds nothing, doctor reports what is missing.
    await executor.run(
      check(
        './bin/camlink aws teardown --region $REGION --bucket $BUCKET | tee teardown.txt && grep -q "nothing to delete" teardown.txt',
      ),
    );
    await executor.run(
      check(
        '! ./bin/camlink aws doctor --region $REGION --bucket $BUCKET --queue-url $QUEUE_URL > doctor.txt; grep -q MISSING doctor.txt',
      ),
    );
    ok = true;
    return { target, ok, dir };
  } catch (err) {
    const failure = err instanceof Error ? err.message : String(err);
    return { target, ok: false, dir, failure };
  } finally {
    cleanups.delete(cleanup);
    await executor?.stopAll();
    await stopPlatform?.();
    // A failed run keeps its directory (rehearse.log, platform.log, configs) for the reader.
    if (ok && !options.keep) await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}
