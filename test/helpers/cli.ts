/** Runs camlink in-process (fast) or as the real ./bin/camlink process (what users run). */
import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/main.js';

export const CAMLINK_BIN = fileURLToPath(new URL('../../bin/camlink', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env,
  });
  return { code, stdout, stderr };
}

export function cliProcess(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CAMLINK_BIN, ...argv],
      { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') reject(new Error(err.message));
        else resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
      },
    );
  });
}

/** The stable code at the end of a camlink error line, e.g. "[PKI_CA_EXISTS]". */
export function errorCodeOf(run: CliRun): string | undefined {
  return /\[([A-Z_]+)\]\n?$/.exec(run.stderr)?.[1];
}

/** A ./bin/camlink process that keeps running (up, camera, ...), its output collected as it comes. */
export interface LongRunningCli {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  stdout(): string;
  stderr(): string;
}

/**
 * Spawns ./bin/camlink and resolves once its stdout contains readyText (rejects if it exits first); the
 * process is SIGKILLed when the test ends, if it is still running.
 */
export async function spawnCliUntil(
  t: TestContext,
  argv: string[],
  readyText: string,
): Promise<LongRunningCli> {
  const child = spawn(process.execPath, [CAMLINK_BIN, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes(readyText)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`camlink ${argv[0]} exited ${code}: ${stdout}${stderr}`)));
  });
  return { child, stdout: () => stdout, stderr: () => stderr };
}
