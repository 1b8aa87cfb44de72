/**
 * CLI start-up benchmark: how long `camlink` takes to answer, as a ratio to bare `node -e 0` measured in
 * the same run (the floor any Node.js CLI pays), for the compiled JavaScript in dist/ (what
 * `./bin/camlink` runs after `npm install`) and for the TypeScript sources through tsx (what it ran
 * before, and still runs when dist/ is stale).
 *
 * Fixed workload, each command run RUNS times after one warm-up, median wall time:
 *   node -e 0; camlink --help; camlink device list on a data dir with a CA and 20 device certificates;
 *   camlink up (started on free ports on an initialised data dir) until it prints "camlink is up",
 *   then stopped with SIGINT (UP_RUNS runs).
 * Prints one line per figure; results go to docs/benchmarks.md (`npm run bench -- --only cli`).
 */
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { distIsFresh } from '../scripts/dist-state.mjs';
import { describeBench, reportFigure } from './lib/report.js';
import { ascending, percentile } from './lib/stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? '15');
const UP_RUNS = Number(process.env.BENCH_UP_RUNS ?? '5');
const DEVICES = 20;
const BIN = fileURLToPath(new URL('../bin/camlink', import.meta.url));
const run = promisify(execFile);

const WORKLOAD =
  `Each command ${RUNS} times after one warm-up, median wall time of the whole process: node -e 0; camlink --help; ` +
  `camlink device list on a data dir holding a CA and ${DEVICES} device certificates; camlink up --ephemeral-ports ` +
  `(initialised data dir, backend on its own thread off) from spawn until "camlink is up" on stdout, ${UP_RUNS} times, ` +
  'each stopped with SIGINT before the next.';
const PEERS =
  'Bare `node -e 0` in the same run (Node.js start-up, the floor of any Node CLI). Each camlink figure is ' +
  'measured twice: the compiled JavaScript in dist/ (what ./bin/camlink runs after npm install) and the ' +
  'TypeScript sources through tsx (CAMLINK_FROM_SOURCE=1: what it ran before dist/ existed).';

type Mode = 'dist' | 'tsx';

function envFor(mode: Mode): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  delete env.CAMLINK_FROM_SOURCE;
  if (mode === 'tsx') env.CAMLINK_FROM_SOURCE = '1';
  return env;
}

/** The middle run (the counts are odd). */
const median = (values: readonly number[]): number => percentile(ascending(values), 0.5);

async function timeCommand(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  runs: number,
): Promise<number> {
  await run(file, args, { env });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run(file, args, { env, maxBuffer: 16 * 1024 * 1024 });
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Starts `camlink up` and resolves with the ms until "camlink is up", after it has exited again. */
async function timeUp(dataDir: string, env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [BIN, 'up', '--ephemeral-ports', '--data-dir', dataDir, '--log-level', 'warn'],
    { env: { ...env, CAMLINK_BACKEND__THREAD: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      out += t;
      if (out.includes('camlink is up')) resolve(performance.now() - t0);
    });
    void exited.then((code) => reject(new Error(`camlink up exited (${code}) before it was up: ${stderr}`)));
  });
  child.kill('SIGINT');
  await exited;
  return ready;
}

async function timeUps(dataDir: string, env: NodeJS.ProcessEnv): Promise<number> {
  await timeUp(dataDir, env);
  const times: number[] = [];
  for (let i = 0; i < UP_RUNS; i++) times.push(await timeUp(dataDir, env));
  return median(times);
}

async function main(): Promise<void> {
  if (!distIsFresh()) throw new Error('dist/ is not up to date with src/: run `npm run build` first');
  describeBench('cli', { workload: WORKLOAD, peers: PEERS });
  const dir = await mkdtemp(join(os.tmpdir(), 'camlink-bench-cli-'));
  try {
    const dataDir = join(dir, 'data');
    await run(process.execPath, [BIN, 'ca', 'init', '--data-dir', dataDir], { env: envFor('dist') });
    for (let i = 0; i < DEVICES; i++) {
      const id = `cam-${String(i).padStart(4, '0')}`;
      await run(process.execPath, [BIN, 'device', 'create', id, '--data-dir', dataDir], {
        env: envFor('dist'),
      });
    }
    const node = await timeCommand(process.execPath, ['-e', '0'], process.env, RUNS);
    console.log(`node -e 0: ${node.toFixed(0)} ms (median of ${RUNS})`);
    const peer = { name: 'node -e 0', value: node };
    const figures: [string, (mode: Mode) => Promise<number>][] = [
      ['camlink --help', (mode) => timeCommand(process.execPath, [BIN, '--help'], envFor(mode), RUNS)],
      [
        `camlink device list (${DEVICES} devices)`,
        (mode) =>
          timeCommand(process.execPath, [BIN, 'device', 'list', '--data-dir', dataDir], envFor(mode), RUNS),
      ],
      ['camlink up until ready', (mode) => timeUps(dataDir, envFor(mode))],
    ];
    for (const [name, measure] of figures) {
      for (const mode of ['dist', 'tsx'] as const) {
        const ms = await measure(mode);
        const label = `${name} [${mode === 'dist' ? 'dist/ JavaScript' : 'tsx sources'}]`;
        console.log(`${label}: ${ms.toFixed(0)} ms, ${(ms / node).toFixed(1)}x node -e 0`);
        reportFigure({ bench: 'cli', figure: label, unit: 'ms', value: ms, peer, better: 'lower' });
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
