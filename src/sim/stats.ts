/**
 * The sim's figures: latency percentiles (nearest-rank, the definition `p99` usually means), a process's
 * resident set size from /proc/<pid>/status (Linux proc(5): VmRSS, VmHWM in kB), and the one summary line
 * that ends every run. The line is `key=value` pairs so scripts (bench/sim.ts, CI) can read it.
 */
import { readFile } from 'node:fs/promises';

/** Nearest-rank percentile of `values` (need not be sorted); undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile ${p} is not in (0, 100]`);
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

export interface ProcessMemory {
  /** Resident set size now, and its peak (high-water mark), in bytes. */
  readonly rss: number;
  readonly peak: number;
}

/** The process's VmRSS and VmHWM; undefined when /proc is not there or the process is gone. */
export async function processMemory(pid: number): Promise<ProcessMemory | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kB = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  const rss = kB('VmRSS');
  const peak = kB('VmHWM');
  return Number.isFinite(rss) ? { rss, peak: Number.isFinite(peak) ? peak : rss } : undefined;
}

export interface SimSummary {
  readonly cameras: number;
  readonly connected: number;
  readonly connectsPerSecond: number;
  /** Uploads whose PUT the store acknowledged. */
  readonly uploads: number;
  readonly uploadsPerSecond: number;
  /** Uploads that failed before the store acknowledged them (URL request or PUT). */
  readonly failed: number;
  readonly reconciled: number;
  /** upload.thumbnail events received by the time of the summary. */
  readonly thumbnails: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly brokerRssBytes: number | undefined;
  readonly lost: number;
  readonly interrupted: boolean;
}

const MB = 1024 * 1024;

/** `sim cameras=... lost=N` (lost last, so `lost=` is easy to find). */
export function summaryLine(s: SimSummary): string {
  const ms = (v: number | undefined) => (v === undefined ? '-' : `${Math.round(v)}ms`);
  const fields = [
    `cameras=${s.cameras}`,
    `connected=${s.connected}`,
    `connects/s=${s.connectsPerSecond.toFixed(1)}`,
    `uploads=${s.uploads}`,
    `uploads/s=${s.uploadsPerSecond.toFixed(1)}`,
    `failed=${s.failed}`,
    `reconciled=${s.reconciled}`,
    `thumbnails=${s.thumbnails}`,
    `p50=${ms(s.p50Ms)}`,
    `p99=${ms(s.p99Ms)}`,
    `broker_rss=${s.brokerRssBytes === undefined ? '-' : `${(s.brokerRssBytes / MB).toFixed(0)}MB`}`,
    ...(s.interrupted ? ['interrupted=1'] : []),
    `lost=${s.lost}`,
  ];
  return `sim ${fields.join(' ')}`;
}
