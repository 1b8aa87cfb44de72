/**
 * Fault run (docs/reliability.md "A fleet under faults"): `camlink up` as a real process on fixed ports
 * and `camlink sim --attach` with BENCH_CAMERAS cameras uploading BENCH_RATE/s against it. During the
 * upload phase, one after the other: SIGKILL + restart, SIGTERM + restart, SIGSTOP for 45 s + SIGCONT,
 * and (as root, the data dir on its own tmpfs) a full disk for 20 s. Then the sim's grace period, the
 * dead-letter queue, and `camlink fsck` on the stopped data dir.
 *
 * One line per figure: for each fault, how long the platform was away and the stall — from the platform
 * being back (its "camlink is up" line, SIGCONT, space freed) to the next reconciled upload, read from
 * the backend's /metrics every 250 ms; then the sim's summary (acknowledged, failed by code, lost), the
 * dead letters and fsck's verdict. The correctness figures (lost, dead letters, fsck) need no
 * calibration; the stall figures are set by the cameras' and the backend's reconnect and retry delays
 * (1-8 s), and the platform's restart time, printed beside them, is the machine-dependent part.
 *
 * The platform runs with 120 s upload URLs and a 10 s sweeper interval, so an upload whose notification
 * was lost is completed by the sweeper within the sim's grace (600 s).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../test/helpers/platform-process.js';
import { describeBench, reportFigure } from './lib/report.js';

const CAMERAS = process.env.BENCH_CAMERAS ?? '200';
const RATE = process.env.BENCH_RATE ?? '10';
const TMPFS_MB = Number(process.env.BENCH_TMPFS_MB ?? '1024');
const BIN = fileURLToPath(new URL('../bin/camlink', import.meta.url));
/** Seconds into the upload phase at which each fault starts; the upload phase lasts `end`. */
const AT = { kill: 30, term: 75, stop: 120, stopFor: 45, disk: 200, diskFor: 20, end: 260 };
const POLL_MS = 250;

describeBench('faults', {
  workload:
    `camlink sim --attach: ${CAMERAS} cameras, ${RATE} uploads/s for ${AT.end} s against camlink up on fixed ports; ` +
    `at ${AT.kill} s SIGKILL + restart, at ${AT.term} s SIGTERM + restart, at ${AT.stop} s SIGSTOP for ` +
    `${AT.stopFor} s, at ${AT.disk} s the data dir's tmpfs filled for ${AT.diskFor} s (root only); then fsck.`,
  peers: 'none: the stalls are compared with the 30 s request timeout they replaced, lost with 0',
});

const root = await mkdtemp(join(os.tmpdir(), 'camlink-faults-'));
const runDir = await mkdtemp(join(os.tmpdir(), 'camlink-faults-run-'));
const diskFault = process.getuid?.() === 0 && process.env.BENCH_FAULT_DISK !== '0';
if (diskFault) execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_MB}m,mode=0755`, 'tmpfs', root]);
const dataDir = join(root, 'data');
await mkdir(dataDir, { recursive: true });
const [broker, api, credentials, storage, queue, video, backendPort] = await freePorts(7);
const configFile = join(runDir, 'camlink.json');
await writeFile(
  configFile,
  JSON.stringify({
    dataDir,
    log: { level: 'warn' },
    broker: { port: broker },
    iot: { api: { port: api }, credentials: { port: credentials } },
    storage: { port: storage },
    queue: { port: queue },
    video: { port: video },
    backend: { port: backendPort, uploads: { putUrlTtlSeconds: 120, sweep: { intervalSeconds: 10 } } },
  }),
);
const platformLog = createWriteStream(join(runDir, 'platform.log'));
const t0 = performance.now();
const seconds = (t: number) => (t - t0) / 1000;
const say = (text: string) => process.stderr.write(`[${seconds(performance.now()).toFixed(1)} s] ${text}\n`);

/** `camlink up` as a child; resolves once it printed that it is up. */
async function startPlatform(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'up', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CAMLINK_BACKEND__THREAD: 'true' },
  });
  child.stderr?.pipe(platformLog, { end: false });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      if (out.includes('camlink is up')) resolve();
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`camlink up ended (${code ?? signal}) before it was up`)),
    );
  });
  return child;
}

async function stopPlatform(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

let platform = await startPlatform();
say(`platform up (pid ${platform.pid})`);
const endpoints = JSON.parse(await readFile(join(dataDir, 'endpoints.json'), 'utf8')) as {
  api: string;
  caPath: string;
};
const ca = await readFile(endpoints.caPath);
const token = (await readFile(join(dataDir, 'operator-token'), 'utf8')).trim();

/** The backend's reconciled uploads (reconciler + sweeper) and dead letters, from /metrics. */
function metrics(): Promise<{ completed: number; deadLetters: number | undefined } | undefined> {
  return new Promise((resolve) => {
    const req = request(
      new URL('/metrics', endpoints.api),
      { ca, headers: { authorization: `Bearer ${token}` }, timeout: 2_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => {
          if (res.statusCode !== 200) return resolve(undefined);
          const value = (re: RegExp) => [...body.matchAll(re)].reduce((sum, m) => sum + Number(m[1]), 0);
          const dead = /^camlink_backend_dead_letters(?:\{[^}]*\})? (\S+)$/m.exec(body);
          resolve({
            completed:
              value(/^camlink_backend_notifications_total\{outcome="completed"\} (\S+)$/gm) +
              value(/^camlink_backend_sweeper_total\{outcome="completed"\} (\S+)$/gm),
            deadLetters: dead ? Number(dead[1]) : undefined,
          });
        });
      },
    );
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Times (performance.now()) at which a poll saw the completed count grow. */
const progressAt: number[] = [];
let lastCompleted = 0;
let lastDeadLetters: number | undefined;
let polling = true;
const poller = (async () => {
  while (polling) {
    const m = await metrics();
    if (m !== undefined) {
      // A restarted backend starts its counters at 0.
      if (m.completed > lastCompleted || (m.completed > 0 && m.completed < lastCompleted)) {
        progressAt.push(performance.now());
      }
      lastCompleted = m.completed;
      lastDeadLetters = m.deadLetters ?? lastDeadLetters;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
})();

const sim = spawn(
  process.execPath,
  [
    BIN,
    'sim',
    '--attach',
    '--cameras',
    CAMERAS,
    '--rate',
    RATE,
    '--duration',
    String(AT.end),
    '--grace',
    '600',
    '--data-dir',
    dataDir,
    '--config',
    configFile,
  ],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
let simOut = '';
let simErr = '';
sim.stdout.setEncoding('utf8').on('data', (d: string) => (simOut += d));
let partial = '';
const uploadPhase = new Promise<number>((resolve) => {
  sim.stderr.setEncoding('utf8').on('data', (d: string) => {
    simErr += d;
    const lines = (partial + d).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      process.stderr.write(`  sim: ${line}\n`);
      if (line.startsWith('uploads ')) resolve(performance.now());
    }
  });
});
const simExit = once(sim, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

interface FaultFigure {
  readonly name: string;
  /** Seconds the platform did not serve (down to up again, or paused, or disk full). */
  readonly away: number;
  /** Seconds from back to the next reconciled upload. */
  readonly stall: number | undefined;
}
const faults: FaultFigure[] = [];
const start = await Promise.race([uploadPhase, simExit.then(() => undefined)]);
if (start === undefined) throw new Error(`the sim ended before its upload phase:\n${simErr}`);
say('upload phase started');
const at = (s: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, start + s * 1000 - performance.now())));
const stallAfter = async (back: number): Promise<number | undefined> => {
  const deadline = back + 120_000;
  while (performance.now() < deadline) {
    const next = progressAt.find((t) => t > back);
    if (next !== undefined) return (next - back) / 1000;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return undefined;
};

for (const [name, signal] of [
  ['SIGKILL + restart', 'SIGKILL'],
  ['SIGTERM + restart', 'SIGTERM'],
] as const) {
  await at(name.startsWith('SIGKILL') ? AT.kill : AT.term);
  const down = performance.now();
  say(`${signal} to the platform`);
  await stopPlatform(platform, signal);
  platform = await startPlatform();
  const back = performance.now();
  say(`platform up again (pid ${platform.pid})`);
  faults.push({ name, away: (back - down) / 1000, stall: await stallAfter(back) });
}

await at(AT.stop);
say(`SIGSTOP for ${AT.stopFor} s`);
const paused = performance.now();
platform.kill('SIGSTOP');
await new Promise((resolve) => setTimeout(resolve, AT.stopFor * 1000));
platform.kill('SIGCONT');
const resumed = performance.now();
say('SIGCONT');
faults.push({
  name: `SIGSTOP ${AT.stopFor} s`,
  away: (resumed - paused) / 1000,
  stall: await stallAfter(resumed),
});

if (diskFault) {
  await at(AT.disk);
  const filler = join(root, 'filler');
  const full = performance.now();
  const handle = await open(filler, 'w');
  const chunk = Buffer.alloc(1 << 20);
  try {
    for (;;) await handle.write(chunk);
  } catch {
    // ENOSPC: the disk is full
  }
  await handle.close();
  say(`disk full for ${AT.diskFor} s`);
  await new Promise((resolve) => setTimeout(resolve, AT.diskFor * 1000));
  await rm(filler);
  const freed = performance.now();
  say('space freed');
  faults.push({
    name: `disk full ${AT.diskFor} s`,
    away: (freed - full) / 1000,
    stall: await stallAfter(freed),
  });
} else {
  say('disk-full phase skipped: it needs root (a tmpfs mount) and BENCH_FAULT_DISK not 0');
}

const [simCode] = await simExit;
polling = false;
await poller;
const m = await metrics();
const deadLetters = m?.deadLetters ?? lastDeadLetters;
await stopPlatform(platform, 'SIGTERM');
platformLog.end();

let fsck = '';
let fsckCode: number | null = null;
{
  const child = spawn(process.execPath, [BIN, 'fsck', '--data-dir', dataDir, '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.setEncoding('utf8').on('data', (d: string) => (fsck += d));
  [fsckCode] = (await once(child, 'exit')) as [number | null];
}

const summary = simOut.trimEnd().split('\n').pop() ?? '';
const figures = Object.fromEntries(
  summary
    .replace(/^sim /, '')
    .split(' ')
    .map((kv) => kv.split('=') as [string, string]),
);
const failedWhy = /uploads failed before the store acknowledged them: (.*)$/m.exec(simErr)?.[1] ?? 'none';
const row = (name: string, value: string) => console.log(`${name.padEnd(52)} ${value}`);
row('workload', `${CAMERAS} cameras, ${RATE} uploads/s asked, ${AT.end} s, faults as scheduled`);
for (const f of faults) {
  row(`${f.name}: platform away (s)`, f.away.toFixed(1));
  row(
    `${f.name}: stall after it was back (s)`,
    f.stall === undefined ? 'no progress in 120 s' : f.stall.toFixed(1),
  );
  reportFigure({
    bench: 'faults',
    figure: `${f.name}: platform away`,
    unit: 's',
    value: f.away,
    better: 'lower',
  });
  if (f.stall !== undefined) {
    reportFigure({ bench: 'faults', figure: `${f.name}: stall`, unit: 's', value: f.stall, better: 'lower' });
  }
}
row('uploads acknowledged by the store', figures['uploads'] ?? '-');
row('uploads failed before the store (by code)', `${figures['failed'] ?? '-'} (${failedWhy})`);
row('reconciled', figures['reconciled'] ?? '-');
row('lost (acknowledged, never reconciled)', figures['lost'] ?? '-');
row('dead letters at the end', deadLetters === undefined ? 'not reported' : String(deadLetters));
row('camlink fsck exit code (0 = clean)', String(fsckCode));
row('sim exit code', String(simCode));
for (const [figure, value] of [
  ['lost', Number(figures['lost'])],
  ['dead letters', deadLetters],
] as const) {
  if (value !== undefined && Number.isFinite(value)) {
    reportFigure({ bench: 'faults', figure, unit: 'uploads', value, better: 'lower' });
  }
}
if (fsckCode !== 0) process.stderr.write(`fsck:\n${fsck}`);
process.stderr.write(`platform log: ${join(runDir, 'platform.log')}\n`);
if (diskFault) execFileSync('umount', [root]);
await rm(root, { recursive: true, force: true });
process.exit(figures['lost'] === '0' && fsckCode === 0 ? 0 : 1);
