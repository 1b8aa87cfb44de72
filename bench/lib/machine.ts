/**
 * What docs/benchmarks.md says about the machine and the software a run measured: CPU, cores, RAM,
 * kernel, OS and the disk under the temp directory (from os and /proc), and the versions of Node,
 * OpenSSL, Mosquitto, ffmpeg, the npm packages the peers and camlink build on, and camlink's git commit.
 */
import { execFile } from 'node:child_process';
import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Environment } from './render.js';

const run = promisify(execFile);

async function firstLine(command: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, { timeout: 10_000 });
    return (stdout || stderr).split('\n')[0] ?? '';
  } catch (err) {
    // mosquitto -h exits 3 after printing its usage; what it printed is still the answer.
    const out = err as { stdout?: string; stderr?: string };
    return (out.stdout || out.stderr || '').split('\n')[0] || 'not installed';
  }
}

/** From node_modules/<name>/package.json (some packages' exports hide package.json from require). */
async function packageVersion(root: string, name: string): Promise<string> {
  try {
    const text = await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8');
    return (JSON.parse(text) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** The mount holding `path`, from /proc/mounts (longest matching mount point). */
async function diskOf(path: string): Promise<string> {
  const mounts = (await readFile('/proc/mounts', 'utf8').catch(() => ''))
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f.length >= 3 && (path === f[1] || path.startsWith(`${f[1] === '/' ? '' : f[1]}/`)))
    .sort((a, b) => (b[1]?.length ?? 0) - (a[1]?.length ?? 0));
  const [device, mountPoint, type] = mounts[0] ?? ['?', '?', '?'];
  const fs = await statfs(path);
  const size = ((fs.blocks * fs.bsize) / 1e9).toFixed(0);
  const name = /^\/dev\/([a-z]+)/.exec(device ?? '')?.[1];
  const rotational = name
    ? (await readFile(`/sys/block/${name}/queue/rotational`, 'utf8').catch(() => '')).trim()
    : '';
  const kind = rotational === '' ? '' : `, rotational=${rotational} per the kernel`;
  return `temp directory ${path} on ${device} (${type}, ${size} GB, mounted at ${mountPoint}${kind})`;
}

async function osName(): Promise<string> {
  const text = await readFile('/etc/os-release', 'utf8').catch(() => '');
  return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1] ?? os.type();
}

/** camlink's commit, short, marked when the work tree has uncommitted changes. */
export async function gitCommit(cwd: string): Promise<string> {
  try {
    const sha = (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd })).stdout.trim();
    const dirty = (
      await run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd })
    ).stdout.trim();
    return dirty === '' ? sha : `${sha} (with uncommitted changes)`;
  } catch {
    return 'unknown commit';
  }
}

export async function environment(cwd: string): Promise<Environment> {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const mosquitto = /version (\S+)/.exec(await firstLine('mosquitto', ['-h']))?.[1] ?? 'not installed';
  const ffmpeg = /version (\S+)/.exec(await firstLine('ffmpeg', ['-version']))?.[1] ?? 'not installed';
  return {
    machine: {
      cpu,
      cores: os.availableParallelism(),
      ramGiB: os.totalmem() / 2 ** 30,
      os: await osName(),
      kernel: os.release(),
      disk: await diskOf(os.tmpdir()),
    },
    versions: [
      ['camlink', await gitCommit(cwd)],
      ['Node.js', process.version],
      ['OpenSSL', process.versions.openssl],
      ['Mosquitto', mosquitto],
      ['ffmpeg', ffmpeg],
      ['aedes', await packageVersion(cwd, 'aedes')],
      ['s3rver', await packageVersion(cwd, 's3rver')],
      ['better-sqlite3', await packageVersion(cwd, 'better-sqlite3')],
      ['@aws-sdk/client-sqs', await packageVersion(cwd, '@aws-sdk/client-sqs')],
    ],
  };
}
