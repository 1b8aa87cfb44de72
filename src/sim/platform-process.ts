/**
 * The platform the simulated fleet talks to. The process fd limit (20,000 here) does not hold 10,000
 * camera sockets and the broker's 10,000 peers in one process, so `camlink sim` runs the embedded
 * platform as a child process (`camlink up --ephemeral-ports` in the sim's data dir, in its own process
 * group so a terminal's Ctrl-C reaches only the sim, which then stops it) — or attaches to a platform
 * already running in that data dir. Either way it reads DATA_DIR/endpoints.json like any client.
 *
 * The two live and die together. The child is started with an IPC channel: when the sim dies, even by
 * SIGKILL, the channel closes and `camlink up` stops itself (src/cli/commands/up.ts). When the platform
 * dies, `exited` settles at once (the child's exit event) with an error naming its exit code or signal
 * and the tail of its log, and the sim stops. An attached platform is someone else's: the sim rides
 * through its restarts (attachPlatform).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEndpoints } from '../contracts/endpoints.js';
import { inDataDir } from '../config/paths.js';
import type { Endpoints } from '../contracts/endpoints.js';
import { CamlinkError, systemErrorCode } from '../errors/camlink-error.js';

const CAMLINK_BIN = fileURLToPath(new URL('../../bin/camlink', import.meta.url));
/** `camlink up` must be ready within this (first start creates the CA and the endpoint certificate). */
const START_TIMEOUT_MS = 120_000;
/** SIGTERM, then SIGKILL after this. */
const STOP_TIMEOUT_MS = 30_000;
const STDERR_TAIL_LINES = 20;
/** Log lines of a dead platform quoted in the sim's error. */
const DEATH_TAIL_LINES = 5;
/** How often the pid of an attached platform (not our child) is checked, and a new one looked for. */
const ATTACHED_CHECK_MS = 1_000;

export interface SimPlatform {
  readonly endpoints: Endpoints;
  readonly operatorToken: string;
  /** The platform's process (the broker's), for its RSS. */
  readonly pid: number;
  /**
   * Settles (never rejects) when the platform ended without stop(): the error says how (exit code or
   * signal) and quotes the end of its log.
   */
  readonly exited: Promise<CamlinkError>;
  /** Stops the child; leaves an attached platform running. */
  stop(): Promise<void>;
}

export interface PlatformProcessOptions {
  readonly dataDir: string;
  /** The config file the sim was given, passed on to `camlink up`. */
  readonly configFile: string | undefined;
  /** The operator token file as configured (relative to the data dir unless absolute). */
  readonly operatorTokenFile: string;
  readonly env: NodeJS.ProcessEnv;
}

/** Starts `camlink up` as a child and waits until it has written its endpoints. */
export async function startPlatformProcess(options: PlatformProcessOptions): Promise<SimPlatform> {
  await refuseRunningPlatform(options.dataDir);
  const args = [CAMLINK_BIN, 'up', '--ephemeral-ports', '--data-dir', options.dataDir, '--log-level', 'warn'];
  if (options.configFile !== undefined) args.push('--config', options.configFile);
  const child = spawn(process.execPath, args, {
    detached: true,
    // The IPC channel is how the child knows the sim is alive: it stops when the channel closes.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // The backend on its own thread, so the platform uses both cores (a config or env may say otherwise).
    env: { CAMLINK_BACKEND__THREAD: 'true', ...options.env },
  });
  // A sim that dies without stopping its platform still takes it down.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const tail: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    tail.push(...text.split('\n').filter((l) => l !== ''));
    tail.splice(0, Math.max(0, tail.length - STDERR_TAIL_LINES));
  });
  // Nothing is sent on the channel; it must not keep the sim alive.
  child.channel?.unref();
  let stopping = false;
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const exited = ended.then(({ code }) => code);
  try {
    await ready(child, exited, tail);
  } catch (err) {
    await stopChild(child, exited);
    process.off('exit', killOnExit);
    throw err;
  }
  const attached = await attach(options);
  const pid = child.pid ?? attached.pid;
  return {
    ...attached,
    pid,
    exited: ended.then(({ code, signal }) => {
      if (stopping) return new Promise<CamlinkError>(() => undefined);
      const how = signal === null ? `exited with code ${String(code)}` : `was killed by ${signal}`;
      const log = tail.slice(-DEATH_TAIL_LINES);
      return new CamlinkError(
        'UPSTREAM_FAILED',
        `the platform child (camlink up, pid ${pid}) ${how} while the sim was running; the sim stops. ` +
          (log.length === 0 ? 'It logged nothing.' : `The end of its log:\n${log.join('\n')}`),
        { details: { pid, code, signal } },
      );
    }),
    async stop() {
      stopping = true;
      await stopChild(child, exited);
      process.off('exit', killOnExit);
    },
  };
}

/**
 * Uses the platform already running in the data dir (its endpoints.json names a live process). It is
 * not the sim's: whoever runs it may restart it (a fault run kills, pauses and restarts it), so its end
 * does not stop the sim. Its pid is checked every second and `notice` says when it went away and when a
 * platform is back in the data dir; meanwhile the cameras reconnect on their own and what failed counts
 * as failed (or lost, when the store had acknowledged it). `exited` never settles.
 */
export async function attachPlatform(
  options: PlatformProcessOptions,
  notice: (line: string) => void = () => undefined,
): Promise<SimPlatform> {
  const attached = await attach(options);
  let pid = attached.pid;
  if (!alive(pid)) {
    throw new CamlinkError(
      'FILE_UNREADABLE',
      `the platform in ${options.dataDir} (pid ${pid}) is not running: start it or drop --attach`,
    );
  }
  let gone = false;
  const timer = setInterval(() => {
    if (!gone) {
      if (alive(pid)) return;
      gone = true;
      notice(
        `the attached platform (pid ${pid}) ended; the cameras wait for a platform in ${options.dataDir}`,
      );
      return;
    }
    void readEndpoints(join(options.dataDir, 'endpoints.json')).then(
      (endpoints) => {
        if (!gone || endpoints.pid === pid || !alive(endpoints.pid)) return;
        gone = false;
        pid = endpoints.pid;
        notice(`a platform is back in ${options.dataDir} (pid ${pid})`);
      },
      () => undefined,
    );
  }, ATTACHED_CHECK_MS);
  timer.unref();
  return {
    ...attached,
    exited: new Promise<CamlinkError>(() => undefined),
    stop: () => {
      clearInterval(timer);
      return Promise.resolve();
    },
  };
}

async function attach(options: PlatformProcessOptions): Promise<Omit<SimPlatform, 'exited' | 'stop'>> {
  const endpoints = await readEndpoints(join(options.dataDir, 'endpoints.json'));
  const operatorToken = (
    await readFile(inDataDir(options.dataDir, options.operatorTokenFile), 'utf8')
  ).trim();
  return { endpoints, operatorToken, pid: endpoints.pid };
}

async function refuseRunningPlatform(dataDir: string): Promise<void> {
  let pid: number;
  try {
    pid = (await readEndpoints(join(dataDir, 'endpoints.json'))).pid;
  } catch (err) {
    if (err instanceof CamlinkError || systemErrorCode(err) === 'ENOENT') return;
    throw err;
  }
  if (alive(pid)) {
    throw new CamlinkError(
      'CLI_USAGE',
      `a platform (pid ${pid}) is running in ${dataDir}: pass --attach to use it, or another --data-dir`,
    );
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return systemErrorCode(err) === 'EPERM';
  }
}

/** Resolves when `camlink up` prints its endpoints line (after endpoints.json is written). */
function ready(child: ChildProcess, exited: Promise<number | null>, tail: string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () =>
        reject(
          new CamlinkError('UPSTREAM_FAILED', `camlink up was not ready in ${START_TIMEOUT_MS / 1000} s`),
        ),
      START_TIMEOUT_MS,
    );
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      if (/^\s*endpoints\s+\S+/m.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(
        new CamlinkError(
          'UPSTREAM_FAILED',
          `camlink up exited (${String(code)}) before it was ready: ${tail.slice(-3).join(' | ')}`,
        ),
      );
    });
  });
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, STOP_TIMEOUT_MS);
  });
  await Promise.race([exited, killed]);
  clearTimeout(timer);
  await exited;
}
