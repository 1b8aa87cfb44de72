/** Runs camlink in-process (fast) or as the real ./bin/camlink process (what users run). */
import { execFile } from 'node:child_process';
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
