/** The report as text (stdout of `camlink fsck` without --json). */
import type { Finding, FsckReport } from './types.js';

/** Findings listed per check; the rest are counted (--json lists them all). */
const LISTED = 20;

const STATUS: Record<string, string> = { ok: 'ok', problems: 'PROBLEMS', skipped: 'skipped' };

export function plural(n: number, noun: string): string {
  return `${n === 0 ? 'no' : n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Problems first, then notes; each group in key (or message) order, so reports compare. */
function ordered(findings: readonly Finding[]): Finding[] {
  const by = (f: Finding) => f.key ?? f.file ?? f.message;
  const sorted = [...findings].sort((a, b) => (by(a) < by(b) ? -1 : by(a) > by(b) ? 1 : 0));
  return [...sorted.filter((f) => f.severity === 'problem'), ...sorted.filter((f) => f.severity === 'note')];
}

function findingLine(f: Finding): string {
  const mark = f.severity === 'problem' ? '!' : '-';
  const repair = f.repair === undefined ? '' : ` [${f.repair}]`;
  return `    ${mark} ${f.message}${repair}`;
}

export function formatReport(report: FsckReport): string {
  const lines = [
    `camlink fsck ${report.dataDir} (${report.mode} form${report.repair ? ', repair' : ''})`,
    '',
  ];
  const width = Math.max(...report.checks.map((c) => c.title.length));
  for (const check of report.checks) {
    lines.push(
      `  ${check.title.padEnd(width)}  ${(STATUS[check.status] ?? check.status).padEnd(8)}  ${check.summary}`,
    );
    const findings = ordered(check.findings);
    for (const finding of findings.slice(0, LISTED)) lines.push(findingLine(finding));
    if (findings.length > LISTED)
      lines.push(`    … and ${findings.length - LISTED} more (--json lists them all)`);
  }
  lines.push('');
  if (report.problems === 0) lines.push('No problems found.');
  else if (report.repair) {
    lines.push(
      `${plural(report.problems, 'problem')} found: ${report.repaired} repaired, ${report.remaining} remain.`,
    );
  } else lines.push(`${plural(report.problems, 'problem')} found.`);
  if (report.advice.length > 0) {
    lines.push('', 'What to do:');
    for (const advice of report.advice) lines.push(`  - ${advice}`);
  }
  return `${lines.join('\n')}\n`;
}
