/** The openssl command line as an independent checker of what camlink's PKI writes. */
import { execFile } from 'node:child_process';

export interface OpensslRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function openssl(args: string[], input?: string): Promise<OpensslRun> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', args, { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(new Error(err.message));
      else resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

export async function opensslOk(args: string[], input?: string): Promise<string> {
  const run = await openssl(args, input);
  if (run.code !== 0) throw new Error(`openssl ${args.join(' ')} failed (${run.code}): ${run.stderr}`);
  return run.stdout;
}
