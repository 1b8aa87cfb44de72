/**
 * Runs the manual's commands one at a time as an operator's shell would: each in bash with the variables
 * and working directory the previous ones left (saved with `export -p` and `pwd` into a state dir), the
 * substitutions applied, background commands started in their own process group and awaited on their
 * ready line, `wait` awaiting the background jobs. Every command is bounded in time and prints one line:
 * step, command, ok/FAILED/skipped, seconds. Output goes to a log file; a failure shows its last lines.
 * What a command runs as (`resolve`) and the background commands it knows (`longRunning`) are the
 * caller's: the rehearsal passes its substitutions, test/docs/getting-started.test.ts its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANUAL_DOCUMENT, type ManualCommand } from './manual.js';
import { LONG_RUNNING, longRunningFor, type LongRunning, type Resolved } from './substitutions.js';

export interface ExecutorOptions {
  /** Where the shell state (vars.sh, cwd) is kept. */
  readonly stateDir: string;
  /** The working directory of the first command. */
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /**
   * What runs for a command of the document: the rehearsal's substitutions
   * (`(text) => resolveCommand(text, context)`), or another runner's.
   */
  readonly resolve: (text: string) => Resolved;
  /** The background commands it knows, with their ready lines (default the manual's, LONG_RUNNING). */
  readonly longRunning?: readonly LongRunning[];
  /** The document the commands come from, for errors (default docs/deploy.md). */
  readonly document?: string;
  /** Who substituted a command, in its step line's note (default "rehearsal"). */
  readonly substitutedBy?: string;
  /** Every command's output is appended here. */
  readonly logFile: string;
  /** Prints one line per step. */
  readonly report: (line: string) => void;
  /** A command's limit (default 180 s); a background command's limit to be ready. */
  readonly timeoutMs?: number;
  /** The stand-in deploy synthesizes the CDK app: longer (default 600 s). */
  readonly deployTimeoutMs?: number;
  /** Prefix of every step line, e.g. the target. */
  readonly label: string;
  readonly now?: () => number;
}

export class StepFailed extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(message);
    this.name = 'StepFailed';
  }
}

interface Background {
  readonly entry: LongRunning;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly label: string;
}

const PRELUDE = `set -a
[ -f "$__CAMLINK_STATE/vars.sh" ] && . "$__CAMLINK_STATE/vars.sh"
cd "$(cat "$__CAMLINK_STATE/cwd")" || exit 97
`;
const EPILOGUE = `
__camlink_rc=$?
export -p > "$__CAMLINK_STATE/vars.sh"
pwd > "$__CAMLINK_STATE/cwd"
exit $__camlink_rc
`;

function oneLine(text: string, max = 110): string {
  const flat = text.replace(/\s*\\?\n\s*/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

export class ManualExecutor {
  private readonly background: Background[] = [];
  private readonly timeoutMs: number;
  private readonly deployTimeoutMs: number;
  private readonly now: () => number;
  /** The foreground command in flight (stopAll ends it too, e.g. when the run is abandoned). */
  private current: ChildProcess | undefined;
  /** The last output of the processes (for a failure's message). */
  private tail = '';

  constructor(private readonly options: ExecutorOptions) {
    this.timeoutMs = options.timeoutMs ?? 180_000;
    this.deployTimeoutMs = options.deployTimeoutMs ?? 600_000;
    this.now = options.now ?? (() => performance.now());
    mkdirSync(options.stateDir, { recursive: true });
    writeFileSync(join(options.stateDir, 'cwd'), `${options.cwd}\n`);
  }

  private label(command: ManualCommand): string {
    // Line 0: a command of the rehearsal itself (a prerequisite, an override, a check), not the manual's.
    if (command.line === 0) return `${this.options.label} rehearsal`;
    return `${this.options.label} step ${command.step ?? 'vars'} line ${command.line}`;
  }

  private line(command: ManualCommand, text: string, outcome: string, started: number, note = ''): void {
    const seconds = ((this.now() - started) / 1000).toFixed(1);
    this.options.report(
      `${this.label(command)}  ${oneLine(text)}  ${outcome}  ${seconds} s${note ? `  (${note})` : ''}`,
    );
  }

  private capture(child: ChildProcess, onText?: (text: string) => void): void {
    const sink = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      appendFileSync(this.options.logFile, text);
      this.tail = (this.tail + text).slice(-16_384);
      onText?.(text);
    };
    child.stdout?.on('data', sink);
    child.stderr?.on('data', sink);
  }

  private spawnShell(script: string): { child: ChildProcess; exited: Promise<number | null> } {
    const child = spawn('bash', ['-c', script], {
      env: { ...this.options.env, __CAMLINK_STATE: this.options.stateDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const exited = new Promise<number | null>((resolve) => {
      child.once('error', () => resolve(127));
      child.once('exit', (code, signal) => resolve(signal === null ? code : null));
    });
    return { child, exited };
  }

  private killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  }

  private failure(command: ManualCommand, message: string): StepFailed {
    const lines = this.tail
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-8)
      .map((l) => (l.length > 400 ? `${l.slice(0, 397)}...` : l));
    const tail = lines.length > 0 ? `\n    ${lines.join('\n    ')}` : '';
    return new StepFailed(this.label(command), `${this.label(command)}: ${message}${tail}`);
  }

  /** Runs one command of the manual (substitutions applied); throws StepFailed naming the step. */
  async run(command: ManualCommand): Promise<void> {
    const started = this.now();
    appendFileSync(this.options.logFile, `\n$ ${command.text}\n`);
    this.tail = '';
    if (command.text.trim() === 'wait') return this.waitJobs(command, started);
    const resolved = this.options.resolve(command.text);
    if (resolved.kind === 'skip') {
      this.line(command, command.text, 'skipped', started, resolved.note);
      return;
    }
    const by = this.options.substitutedBy ?? 'rehearsal';
    const note = resolved.substitution === undefined ? '' : `${by}: ${resolved.substitution}`;
    if (command.background) return this.startBackground(command, resolved.text, started, note);
    const limit = resolved.substitution === 'cdk deploy' ? this.deployTimeoutMs : this.timeoutMs;
    const { child, exited } = this.spawnShell(`${PRELUDE}${resolved.text}${EPILOGUE}`);
    this.current = child;
    void exited.then(() => {
      if (this.current === child) this.current = undefined;
    });
    this.capture(child);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), limit);
    });
    const code = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (code === 'timeout') {
      this.killGroup(child, 'SIGKILL');
      await exited;
      this.line(command, command.text, 'FAILED', started, `no exit within ${limit / 1000} s`);
      throw this.failure(command, `no exit within ${limit / 1000} s`);
    }
    if (code !== 0) {
      this.line(command, command.text, 'FAILED', started, `exit ${code ?? 'signal'}`);
      throw this.failure(command, `exit ${code ?? 'by signal'}`);
    }
    this.line(command, command.text, 'ok', started, note);
  }

  private async startBackground(
    command: ManualCommand,
    text: string,
    started: number,
    note: string,
  ): Promise<void> {
    const entry = longRunningFor(
      text,
      command.line,
      this.options.longRunning ?? LONG_RUNNING,
      this.options.document ?? MANUAL_DOCUMENT,
    );
    const { child, exited } = this.spawnShell(`${PRELUDE}exec ${text}\n`);
    let output = '';
    let markReady: () => void = () => undefined;
    const ready = new Promise<'ready'>((resolve) => {
      markReady = () => resolve('ready');
    });
    this.capture(child, (chunk) => {
      output = (output + chunk).slice(-65_536);
      if (entry.ready.test(output)) markReady();
    });
    this.background.push({ entry, child, exited, label: this.label(command) });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
    });
    const outcome = await Promise.race([ready, exited.then(() => 'exited' as const), timedOut]);
    clearTimeout(timer);
    if (outcome !== 'ready') {
      const why =
        outcome === 'timeout' ? `not ready within ${this.timeoutMs / 1000} s` : 'exited before it was ready';
      this.line(command, command.text, 'FAILED', started, why);
      throw this.failure(command, `${entry.name} ${why}`);
    }
    this.line(command, `${command.text} &`, 'ok', started, `${entry.name} ready${note ? `; ${note}` : ''}`);
  }

  private async waitJobs(command: ManualCommand, started: number): Promise<void> {
    const jobs = this.background.filter((b) => b.entry.kind === 'job');
    for (const job of jobs) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
      });
      const code = await Promise.race([job.exited, timedOut]);
      clearTimeout(timer);
      this.background.splice(this.background.indexOf(job), 1);
      if (code !== 0) {
        this.killGroup(job.child, 'SIGKILL');
        const why =
          code === 'timeout' ? `no exit within ${this.timeoutMs / 1000} s` : `exit ${code ?? 'signal'}`;
        this.line(command, `wait (${job.entry.name})`, 'FAILED', started, why);
        throw this.failure(command, `${job.entry.name} started at ${job.label}: ${why}`);
      }
    }
    this.line(command, 'wait', 'ok', started, `${jobs.length} job(s)`);
  }

  /** The current values of shell variables (as the next command would see them). */
  async read(names: readonly string[]): Promise<Record<string, string>> {
    const script = `${PRELUDE}${names.map((n) => `printf '%s\\0' "$${n}"`).join('\n')}\n`;
    const { child, exited } = this.spawnShell(script);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr?.resume();
    if ((await exited) !== 0) throw new StepFailed(this.options.label, 'cannot read the shell variables');
    const values = out.split('\0');
    return Object.fromEntries(names.map((n, i) => [n, values[i] ?? '']));
  }

  /** The services still running (backend, cameras), by name. */
  running(): string[] {
    return this.background.map((b) => b.entry.name);
  }

  /**
   * SIGTERM to every background process group, SIGKILL after `graceMs`, and SIGKILL to a foreground
   * command still running; resolves when the background ones exited.
   */
  async stopAll(graceMs = 10_000): Promise<void> {
    const all = this.background.splice(0);
    if (this.current !== undefined) this.killGroup(this.current, 'SIGKILL');
    for (const b of all) this.killGroup(b.child, 'SIGTERM');
    await Promise.all(
      all.map(async (b) => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), graceMs);
        });
        if ((await Promise.race([b.exited, late])) === 'late') {
          this.killGroup(b.child, 'SIGKILL');
          await b.exited;
        }
        clearTimeout(timer);
      }),
    );
  }
}
