/**
 * `camlink sim` and its platform child live and die together (issue 24, finding 9b).
 *
 * - The sim gets SIGKILL (no handler runs): its `camlink up` child notices that its IPC channel closed
 *   and stops itself cleanly (it removes its endpoints.json on the way out). Before, the child ran on.
 * - The platform child gets SIGKILL under a running sim, in the upload phase: the sim stops at once
 *   with an error naming the child's pid and signal ([UPSTREAM_FAILED], exit 1), instead of running
 *   its schedule to the end and counting the uploads that could not reach the platform as failures.
 *
 * Both runs ask for a 10-minute schedule, so a sim or a child that does not notice runs past the test's
 * timeout. Waiting on a pid is a poll of process.kill(pid, 0); nothing asserts on elapsed time.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { CAMLINK_BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

interface SimProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves with the first stderr match of `pattern` (the sim's progress and status lines). */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startSim(t: TestContext, dataDir: string): SimProcess {
  const child = spawn(
    process.execPath,
    [
      CAMLINK_BIN,
      'sim',
      '--cameras',
      '2',
      '--rate',
      '1',
      '--duration',
      '600',
      '--grace',
      '600',
      '--data-dir',
      dataDir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } },
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    for (const w of [...waiters]) {
      const m = w.pattern.exec(stderr);
      if (m !== null) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  child.stdout.resume();
  return {
    child,
    stderr: () => stderr,
    exited,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const m = pattern.exec(stderr);
        if (m !== null) return resolve(m);
        waiters.push({ pattern, resolve });
        void exited.then(({ code, signal }) =>
          reject(new Error(`the sim ended (${code ?? signal}) before ${pattern}:\n${stderr}`)),
        );
      }),
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Resolves once `pid` is gone (polled; the test's timeout bounds it). */
function gone(pid: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (alive(pid)) return;
      clearInterval(timer);
      resolve();
    }, 100);
  });
}

/** The platform child's pid, from the sim's status line; killed with the test if still there. */
async function platformPid(t: TestContext, sim: SimProcess): Promise<number> {
  const [, pid] = await sim.waitFor(/platform pid (\d+):/);
  const n = Number(pid);
  t.after(() => {
    if (alive(n)) process.kill(n, 'SIGKILL');
  });
  return n;
}

test(
  'a SIGKILLed sim takes its platform child with it: the child stops itself cleanly',
  { timeout: 150_000 },
  async (t) => {
    const dataDir = await tempDir(t, 'camlink-sim-kill-');
    const sim = startSim(t, dataDir);
    const pid = await platformPid(t, sim);
    await sim.waitFor(/^connected 2 of 2/m);
    assert.ok(existsSync(join(dataDir, 'endpoints.json')), 'the platform is up');
    sim.child.kill('SIGKILL');
    const { signal } = await sim.exited;
    assert.equal(signal, 'SIGKILL');
    const orphaned = performance.now();
    await gone(pid);
    t.diagnostic(`the platform child was gone ${Math.round(performance.now() - orphaned)} ms after the sim`);
    assert.ok(
      !existsSync(join(dataDir, 'endpoints.json')),
      'the child stopped cleanly (it removed endpoints.json)',
    );
  },
);

test(
  'the platform child dies under a running sim: the sim stops at once with an error naming it',
  { timeout: 150_000 },
  async (t) => {
    const dataDir = await tempDir(t, 'camlink-sim-child-');
    const sim = startSim(t, dataDir);
    const pid = await platformPid(t, sim);
    // In the upload phase, with an upload under way (one per second).
    await sim.waitFor(/^uploads \d+ acknowledged/m);
    const killed = performance.now();
    process.kill(pid, 'SIGKILL');
    const { code } = await sim.exited;
    t.diagnostic(
      `the sim exited ${Math.round(performance.now() - killed)} ms after the kill: ` +
        sim.stderr().trimEnd().split('\n').slice(-3).join(' | '),
    );
    const stderr = sim.stderr();
    assert.equal(code, 1, stderr);
    assert.match(stderr, new RegExp(`the platform child \\(camlink up, pid ${pid}\\) was killed by SIGKILL`));
    assert.match(stderr, /\[UPSTREAM_FAILED\]/);
  },
);
