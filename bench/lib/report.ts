/**
 * The results contract between a bench script and `npm run bench` (bench/all.ts): besides its printed
 * line per figure, a bench calls `describeBench` once (its workload and peers, kept as constants in the
 * script so docs/benchmarks.md cannot drift from the code) and `reportFigure` once per figure. When env
 * BENCH_RESULTS_FILE names a file, each call appends one JSON line to it; otherwise they do nothing,
 * so `npm run bench:<name>` alone behaves as before.
 */
import { appendFileSync } from 'node:fs';

export const RESULTS_ENV = 'BENCH_RESULTS_FILE';

/** One measured figure, with the peer measured in the same run where there is one. */
export interface FigureRecord {
  kind: 'figure';
  bench: string;
  figure: string;
  unit: string;
  value: number;
  peer?: { name: string; value: number };
  /** value / peer.value. */
  ratio?: number;
  better: 'higher' | 'lower';
}

/** What a bench ran: its fixed workload and what it is compared with. */
export interface DescriptionRecord {
  kind: 'description';
  bench: string;
  workload: string;
  peers: string;
}

export type ResultRecord = FigureRecord | DescriptionRecord;

function append(record: ResultRecord): void {
  const file = process.env[RESULTS_ENV];
  if (file === undefined || file === '') return;
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}

export function describeBench(bench: string, text: { workload: string; peers: string }): void {
  append({ kind: 'description', bench, workload: text.workload, peers: text.peers });
}

export function reportFigure(figure: Omit<FigureRecord, 'kind' | 'ratio'>): void {
  const ratio =
    figure.peer !== undefined && figure.peer.value !== 0 ? figure.value / figure.peer.value : undefined;
  append({ kind: 'figure', ...figure, ...(ratio === undefined ? {} : { ratio }) });
}

/** Parses a results file's JSON lines; a line that is not a record is an error, not skipped. */
export function parseResults(text: string): ResultRecord[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const record = JSON.parse(line) as ResultRecord;
      const ok =
        record.kind === 'figure'
          ? typeof record.value === 'number' && typeof record.figure === 'string'
          : record.kind === 'description' && typeof record.workload === 'string';
      if (!ok) throw new Error(`results line ${i + 1} is not a bench record: ${line.slice(0, 200)}`);
      return record;
    });
}
