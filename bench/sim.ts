/**
 * Fleet benchmark: `camlink sim` as a user runs it (a real process; the platform is its `camlink up`
 * child), 10,000 cameras on mutual-TLS MQTT and 200 uploads/s of the real flow (upload-URL request over
 * MQTT, PUT of a small JPEG, QoS 1 notification, reconciliation) for 60 s, then one line per figure of
 * its summary. The data dir is kept (BENCH_SIM_DIR, default $TMPDIR/camlink-bench-sim) so a rerun skips
 * issuing the 10,000 certificates, JITP and pairing; delete it to measure a first run.
 *
 * BENCH_CAMERAS, BENCH_RATE, BENCH_DURATION change the workload (e.g. 1000 / 50 / 20 for a smoke run).
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { describeBench, reportFigure } from './lib/report.js';

const CAMERAS = process.env.BENCH_CAMERAS ?? '10000';
const RATE = process.env.BENCH_RATE ?? '200';
const DURATION = process.env.BENCH_DURATION ?? '60';
const DATA_DIR = process.env.BENCH_SIM_DIR ?? join(os.tmpdir(), 'camlink-bench-sim');
const BIN = fileURLToPath(new URL('../bin/camlink', import.meta.url));

describeBench('sim', {
  workload:
    `camlink sim as a real process: ${CAMERAS} cameras (own ECDSA P-256 certificate, mutual-TLS MQTT session ` +
    `each; identities, JITP and pairing cached in the data dir across runs), ${RATE} uploads/s asked for ` +
    `${DURATION} s of the real flow (upload-URL request over MQTT, PUT of a small JPEG, QoS 1 notification ` +
    `through the outbox, rule -> queue -> reconciler -> upload.completed on SSE), then the grace period.`,
  peers: 'none in the same run: the target (10,000 cameras, 200 uploads/s, lost=0) is the reference',
});

const started = performance.now();
const child = spawn(
  process.execPath,
  [BIN, 'sim', '--cameras', CAMERAS, '--rate', RATE, '--duration', DURATION, '--data-dir', DATA_DIR],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let stdout = '';
child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
const wallSeconds = (performance.now() - started) / 1000;

const line = stdout.trimEnd().split('\n').pop() ?? '';
if (!line.startsWith('sim ')) {
  console.error(`no summary line (exit ${String(code)}):\n${stdout}`);
  process.exit(1);
}
const figures = Object.fromEntries(
  line
    .slice(4)
    .split(' ')
    .map((kv) => kv.split('=') as [string, string]),
);
const row = (name: string, value: string | undefined) => console.log(`${name.padEnd(44)} ${value ?? '-'}`);
row(`workload`, `${CAMERAS} cameras, ${RATE} uploads/s asked, ${DURATION} s`);
row('cameras connected (mutual TLS)', figures['connected']);
row('connects/s (whole connect phase)', figures['connects/s']);
row('uploads acknowledged by the store', figures['uploads']);
row('uploads/s achieved', figures['uploads/s']);
row('uploads failed before the store', figures['failed']);
row('thumbnails announced by the summary', figures['thumbnails']);
row('notification -> reconciled event p50', figures['p50']);
row('notification -> reconciled event p99', figures['p99']);
row('platform (broker) process RSS', figures['broker_rss']);
row('lost (acknowledged, never reconciled)', figures['lost']);
row('wall time of the whole run (s)', wallSeconds.toFixed(0));
row('exit code', String(code));

const num = (v: string | undefined): number | undefined => {
  const n = v === undefined ? NaN : Number.parseFloat(v);
  return Number.isFinite(n) ? n : undefined;
};
const report = (figure: string, unit: string, value: number | undefined, better: 'higher' | 'lower') => {
  if (value !== undefined) reportFigure({ bench: 'sim', figure, unit, value, better });
};
report('cameras connected (mutual TLS)', 'cameras', num(figures['connected']), 'higher');
report('connects/s (whole connect phase)', '/s', num(figures['connects/s']), 'higher');
report('uploads acknowledged by the store', 'uploads', num(figures['uploads']), 'higher');
report('uploads/s achieved', '/s', num(figures['uploads/s']), 'higher');
report('thumbnails announced by the summary', 'thumbnails', num(figures['thumbnails']), 'higher');
report('notification -> reconciled p50', 'ms', num(figures['p50']), 'lower');
report('notification -> reconciled p99', 'ms', num(figures['p99']), 'lower');
report('platform (broker) process RSS', 'MB', num(figures['broker_rss']), 'lower');
report('lost (acknowledged, never reconciled)', 'uploads', num(figures['lost']), 'lower');
