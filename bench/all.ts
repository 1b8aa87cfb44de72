/**
 * `npm run bench`: runs every benchmark in BENCHES, one after another (the machine has 2 cores), each as
 * a child process with its fixed workload and BENCH_RESULTS_FILE pointing at a results file
 * (bench/lib/report.ts), shows which bench runs and for how long, then writes docs/benchmarks.md
 * (bench/lib/render.ts) with the machine, the versions and a section per bench. A bench that exits
 * non-zero, times out or reports no figure is written as failed and makes the exit code 1.
 *
 * Usage: npm run bench [-- --only broker,storage] [--out FILE] [--timeout-min N]
 * With --only, the other benches' sections are kept from the previous file with their own run dates.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { environment, gitCommit } from './lib/machine.js';
import { RESULTS_ENV, parseResults, type DescriptionRecord, type FigureRecord } from './lib/report.js';
import { parseNotes, previousSections, renderDocument, type BenchRun, type Section } from './lib/render.js';

/**
 * Every benchmark `npm run bench` runs, in order. To add one: a script that calls describeBench(id, ...)
 * once and reportFigure({ bench: id, ... }) per figure, a `bench:<id>` npm script, and a line here.
 */
const BENCHES: BenchSpec[] = [
  { id: 'broker', title: 'IoT endpoint vs Mosquitto', script: 'bench/broker.ts' },
  {
    id: 'storage',
    title: 'Object store: pre-signed PUT vs raw stream-to-disk and s3rver',
    script: 'bench/storage-put.ts',
    args: ['--rounds', '5'],
  },
  { id: 'queue', title: 'Queue: SQS-compatible queue vs plain SQLite', script: 'bench/queue.ts' },
  {
    id: 'backend',
    title: 'Backend: reconciliation and notification-to-SSE latency',
    script: 'bench/backend.ts',
  },
  { id: 'upload', title: 'Direct upload end to end', script: 'bench/direct-upload.ts' },
  { id: 'video', title: 'Video: PutMedia ingest and live HLS latency', script: 'bench/video.ts' },
  { id: 'sim', title: 'Fleet simulation (camlink sim)', script: 'bench/sim.ts' },
  { id: 'cli', title: 'CLI start-up: camlink vs bare node', script: 'bench/cli.ts' },
];

interface BenchSpec {
  /** The name its records carry and its npm script's suffix (`npm run bench:<id>`). */
  id: string;
  title: string;
  script: string;
  /** Extra arguments that make its default workload the documented one. */
  args?: string[];
}

const ROOT = new URL('..', import.meta.url).pathname;
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const NOTES = join(ROOT, 'docs', 'benchmarks.notes.md');
const TAIL_LINES = 30;
const PROGRESS_EVERY_MS = 30_000;

const log = (line: string) => void process.stderr.write(`${line}\n`);

/** Runs one bench to completion (or its timeout) and collects what it reported. */
async function runBench(spec: BenchSpec, n: string, dir: string, timeoutMs: number): Promise<BenchRun> {
  const resultsFile = join(dir, `${spec.id}.jsonl`);
  await writeFile(resultsFile, '');
  const startedAt = new Date();
  const before = os.loadavg()[0] ?? 0;
  const t0 = performance.now();
  const elapsed = () => Math.round((performance.now() - t0) / 1000);
  log(`== [${n}] ${spec.id}: ${spec.script} ${(spec.args ?? []).join(' ')}`);
  const child = spawn(process.execPath, ['--import', 'tsx', spec.script, ...(spec.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, [RESULTS_ENV]: resultsFile },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so a timeout also ends what it started (mosquitto, s3rver)
  });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(
      ...chunk
        .toString()
        .split('\n')
        .filter((l) => l !== ''),
    );
    tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
  };
  child.stdout.on('data', (d: Buffer) => {
    process.stdout.write(d);
    keep(d);
  });
  child.stderr.on('data', (d: Buffer) => {
    process.stderr.write(d);
    keep(d);
  });
  const ticker = setInterval(() => log(`   [${n}] ${spec.id}: ${elapsed()} s elapsed`), PROGRESS_EVERY_MS);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  }, timeoutMs);
  const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  clearInterval(ticker);
  clearTimeout(timer);
  const seconds = (performance.now() - t0) / 1000;
  log(`== [${n}] ${spec.id}: exited ${exit.code ?? exit.signal} after ${seconds.toFixed(0)} s`);

  let figures: FigureRecord[] = [];
  let description: DescriptionRecord | undefined;
  const problems: string[] = [];
  try {
    for (const record of parseResults(await readFile(resultsFile, 'utf8'))) {
      if (record.bench !== spec.id) problems.push(`reported a record for bench "${record.bench}"`);
      else if (record.kind === 'description') description = record;
      else figures.push(record);
    }
  } catch (err) {
    problems.push(`wrote unreadable results: ${(err as Error).message}`);
    figures = [];
  }
  if (timedOut) problems.push(`timed out after ${Math.round(timeoutMs / 60_000)} min`);
  else if (exit.code !== 0) problems.push(`exited with ${exit.code ?? exit.signal}`);
  if (figures.length === 0) problems.push('reported no figures');
  if (description === undefined) problems.push('did not describe its workload');
  const failed = problems.length > 0;
  return {
    id: spec.id,
    title: spec.title,
    command: `npm run bench:${spec.id}${spec.args ? ` -- ${spec.args.join(' ')}` : ''}`,
    status: failed ? 'failed' : 'ok',
    startedAt,
    seconds,
    commit: await gitCommit(ROOT),
    load: { before, after: os.loadavg()[0] ?? 0 },
    ...(description ? { description } : {}),
    figures,
    ...(failed ? { failure: [`${spec.id} ${problems.join('; ')}. Last output:`, ...tail].join('\n') } : {}),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      out: { type: 'string', default: DOC },
      'timeout-min': { type: 'string', default: '15' },
    },
  });
  const known = new Set(BENCHES.map((b) => b.id));
  const only = values.only?.split(',').map((s) => s.trim()) ?? [...known];
  const unknown = only.filter((id) => !known.has(id));
  if (unknown.length > 0)
    throw new Error(`unknown bench ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  const timeoutMs = Number(values['timeout-min']) * 60_000;
  if (!(timeoutMs > 0)) throw new Error('--timeout-min must be a positive number');
  const out = values.out;

  const previous = previousSections(await readFile(out, 'utf8').catch(() => ''));
  const notes = parseNotes(await readFile(NOTES, 'utf8').catch(() => ''));
  const dir = await mkdtemp(join(os.tmpdir(), 'camlink-bench-all-'));
  const generatedAt = new Date();
  const t0 = performance.now();
  const runs = new Map<string, BenchRun>();
  try {
    const selected = BENCHES.filter((b) => only.includes(b.id));
    for (const [i, spec] of selected.entries())
      runs.set(spec.id, await runBench(spec, `${i + 1}/${selected.length}`, dir, timeoutMs));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const sections: Section[] = BENCHES.map((spec) => {
    const run = runs.get(spec.id);
    if (run) return { kind: 'run', run };
    const kept = previous.get(spec.id);
    return kept
      ? { kind: 'kept', id: spec.id, text: kept }
      : { kind: 'absent', id: spec.id, title: spec.title, command: `npm run bench:${spec.id}` };
  });
  const argv = process.argv.slice(2);
  const doc = renderDocument({
    generatedAt,
    command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`,
    environment: await environment(ROOT),
    sections,
    notes,
    ...(process.env.BENCH_SCALE ? { scale: process.env.BENCH_SCALE } : {}),
  });
  await writeFile(out, doc);
  const failed = [...runs.values()].filter((r) => r.status === 'failed').map((r) => r.id);
  log(
    `== wrote ${out} after ${((performance.now() - t0) / 60_000).toFixed(1)} min: ` +
      `${runs.size - failed.length} bench(es) ok${failed.length > 0 ? `, FAILED: ${failed.join(', ')}` : ''}`,
  );
  if (failed.length > 0) process.exitCode = 1;
}

await main();
