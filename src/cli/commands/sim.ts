/** `camlink sim`: a fleet of simulated cameras; the last stdout line is the summary with `lost=N`. */
import { setMaxListeners } from 'node:events';
import { resolve } from 'node:path';
import { CamlinkError } from '../../errors/camlink-error.js';
import { createLogger } from '../../log/logger.js';
import { pkiContext } from '../../pki/context.js';
import { bootstrapPki } from '../../platform/pki-bootstrap.js';
import { runSim } from '../../sim/run.js';
import { summaryLine } from '../../sim/stats.js';
import { defineCommand } from '../command.js';
import { phaseProgress } from '../progress.js';
import { summaries } from './summaries.js';

/** Flag limits: [min, max, default]. */
export const SIM_LIMITS = {
  cameras: [1, 50_000, undefined],
  duration: [1, 3_600, 60],
  rate: [0.1, 5_000, 20],
  grace: [1, 600, 30],
  'connect-concurrency': [1, 2_000, 200],
  'connect-timeout': [5, 600, 120],
  'max-in-flight': [1, 10_000, 1_000],
} as const;

type NumericFlag = keyof typeof SIM_LIMITS;

export function parseSimNumber(flag: NumericFlag, value: string | undefined, integer: boolean): number {
  const [min, max, fallback] = SIM_LIMITS[flag];
  if (value === undefined) {
    if (fallback === undefined) throw new CamlinkError('CLI_USAGE', `--${flag} is required`);
    return fallback;
  }
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new CamlinkError(
      'CLI_USAGE',
      `--${flag} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, not "${value}"`,
    );
  }
  return n;
}

export const simCommand = defineCommand({
  name: 'sim',
  summary: summaries.sim,
  description:
    'Issues (and caches in DATA_DIR/sim) one device certificate per camera, starts the embedded platform\n' +
    'as a child process (`camlink up` on free ports; --attach uses one already running in the data dir),\n' +
    'connects the cameras with bounded concurrency, registers and pairs them, then runs --rate uploads/s\n' +
    'for --duration seconds: upload-URL request over MQTT, PUT of a small JPEG, notification (QoS 1).\n' +
    'Progress goes to stderr; one summary line to stdout. Exit code 1 [SIM_LOST] when an upload the\n' +
    'store acknowledged was not reconciled by the backend within --grace seconds. See docs/sim.md.',
  options: {
    cameras: { type: 'string', valueName: 'N', description: 'number of cameras, 1-50,000 (required)' },
    duration: {
      type: 'string',
      valueName: 'S',
      description: 'upload phase in seconds, 1-3,600 (default 60)',
    },
    rate: { type: 'string', valueName: 'R', description: 'uploads per second, 0.1-5,000 (default 20)' },
    grace: {
      type: 'string',
      valueName: 'S',
      description: 'seconds to wait for reconciliation after the run, 1-600 (default 30)',
    },
    'connect-concurrency': {
      type: 'string',
      valueName: 'N',
      description: 'cameras connecting at once, 1-2,000 (default 200)',
    },
    'connect-timeout': {
      type: 'string',
      valueName: 'S',
      description: 'seconds a camera may take to connect, JITP included, 5-600 (default 120)',
    },
    'max-in-flight': {
      type: 'string',
      valueName: 'N',
      description: 'uploads under way at once, 1-10,000 (default 1,000)',
    },
    attach: { type: 'boolean', description: 'use the platform already running in the data dir' },
  },
  async run(ctx) {
    const o = ctx.options;
    const cameras = parseSimNumber('cameras', o.cameras, true);
    const durationSeconds = parseSimNumber('duration', o.duration, false);
    const rate = parseSimNumber('rate', o.rate, false);
    const graceSeconds = parseSimNumber('grace', o.grace, false);
    const connectConcurrency = parseSimNumber('connect-concurrency', o['connect-concurrency'], true);
    const connectTimeoutSeconds = parseSimNumber('connect-timeout', o['connect-timeout'], false);
    const maxInFlight = parseSimNumber('max-in-flight', o['max-in-flight'], true);
    const config = ctx.config();
    const dataDir = resolve(config.dataDir);
    const level = o['log-level'] === undefined ? 'silent' : config.log.level;
    const logger = createLogger({ level, name: 'camlink-sim' });

    const interrupt = new AbortController();
    // Every connecting camera and waiting upload listens for the interrupt.
    setMaxListeners(0, interrupt.signal);
    const onSigint = () => {
      if (interrupt.signal.aborted) process.exit(130);
      ctx.io.stderr('\ninterrupted: finishing up (Ctrl-C again to quit at once)\n');
      interrupt.abort();
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);
    const pki = pkiContext(dataDir, config.pki);
    // The operator CA the identities are issued by; `camlink up` would create the same on first start.
    if (o.attach !== true) await bootstrapPki({ ...config, dataDir }, pki, logger);
    const progress = phaseProgress((text) => ctx.io.stderr(text), process.stderr.isTTY === true);
    try {
      const result = await runSim({
        cameras,
        durationSeconds,
        rate,
        graceSeconds,
        connectConcurrency,
        connectTimeoutSeconds,
        maxInFlight,
        attach: o.attach === true,
        dataDir,
        configFile: o.config === undefined ? undefined : resolve(o.config),
        operatorTokenFile: config.backend.operatorTokenFile,
        env: ctx.io.env,
        pki,
        logger,
        signal: interrupt.signal,
        progress: progress.update,
        status: progress.line,
      });
      progress.end();
      if (result.failed > 0) {
        const why = [...result.failures].map(([code, n]) => `${code} ${n}`).join(', ');
        ctx.io.stderr(`${result.failed} uploads failed before the store acknowledged them: ${why}\n`);
      }
      if (result.deferred > 0) {
        ctx.io.stderr(
          `the schedule fell behind: ${result.deferred} due uploads never started (all slots or cameras busy)\n`,
        );
      }
      ctx.io.stdout(`${summaryLine(result)}\n`);
      if (result.lost > 0) {
        throw new CamlinkError(
          'SIM_LOST',
          `${result.lost} uploads acknowledged by the store were not reconciled within ${graceSeconds} s`,
        );
      }
      return result.interrupted ? 130 : 0;
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    }
  },
});
