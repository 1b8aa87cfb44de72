/**
 * The shapes of `camlink fsck` (docs/fsck.md): a check looks at one thing across the data dir and says
 * what it found; with --repair it also says what it fixed. The report is what `--json` prints.
 */
import type { FsckSources } from './sources.js';

export type FsckMode = 'full' | 'quick';

export interface Finding {
  /** A problem makes fsck exit non-zero; a note is information (nothing is wrong by itself). */
  readonly severity: 'problem' | 'note';
  /** Stable kind, e.g. `object-without-row`; match on it, not on the message. */
  readonly kind: string;
  readonly message: string;
  readonly file?: string;
  readonly bucket?: string;
  readonly key?: string;
  readonly uploadId?: string;
  /** With --repair, for problems: whether this one was repaired, and what was done or why not. */
  repaired?: boolean;
  repair?: string;
}

export type CheckStatus = 'ok' | 'problems' | 'skipped';

export interface CheckReport {
  readonly id: string;
  readonly title: string;
  status: CheckStatus;
  /** One line: what was looked at and what was found (or why the check was skipped). */
  summary: string;
  counts: Record<string, number>;
  findings: Finding[];
}

export interface FsckContext {
  readonly dataDir: string;
  readonly mode: FsckMode;
  readonly repair: boolean;
  /** The backend's uploads bucket (backend.uploads.bucket). */
  readonly bucket: string;
  readonly sources: FsckSources;
  /** Progress for long runs (stderr in the CLI); never the report. */
  readonly progress: (message: string) => void;
  readonly now: () => number;
}

export interface FsckCheck {
  readonly id: string;
  readonly title: string;
  /** Also part of the quick form (platform start-up): nothing in it reads or hashes object data. */
  readonly quick: boolean;
  /** What to do about a problem of each kind that remains (`{dataDir}` is replaced). */
  readonly advice?: Readonly<Record<string, string>>;
  run(ctx: FsckContext, report: CheckReport): Promise<void>;
}

export interface FsckReport {
  readonly dataDir: string;
  readonly mode: FsckMode;
  readonly repair: boolean;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly checks: CheckReport[];
  /** Problems found, of them repaired, and the rest. */
  readonly problems: number;
  readonly repaired: number;
  readonly remaining: number;
  readonly advice: string[];
}

/** Adds a finding and keeps the check's status in step. */
export function addFinding(report: CheckReport, finding: Finding): Finding {
  report.findings.push(finding);
  if (finding.severity === 'problem') report.status = 'problems';
  return finding;
}

export function skip(report: CheckReport, why: string): void {
  report.status = 'skipped';
  report.summary = why;
}

export function count(report: CheckReport, name: string, by = 1): void {
  report.counts[name] = (report.counts[name] ?? 0) + by;
}
