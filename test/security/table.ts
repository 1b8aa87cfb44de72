/**
 * The security matrix table of docs/security.md: one section per surface between
 * `<!-- security-matrix:<surface> -->` markers, one row per attack. Parsing and rendering are exact
 * inverses so the suite can compare what it observed with what the page says, and
 * `npm run security:table` can rewrite the page from a run.
 */
import { fileURLToPath } from 'node:url';

export interface MatrixRow {
  readonly id: string;
  readonly surface: string;
  readonly attack: string;
  readonly expected: string;
  readonly observed: string;
}

export const SECURITY_DOC = fileURLToPath(new URL('../../docs/security.md', import.meta.url));

const HEADER = ['| id | surface | attack | expected refusal | observed refusal |', '|---|---|---|---|---|'];

const begin = (surface: string) => `<!-- security-matrix:${surface} -->`;
const end = (surface: string) => `<!-- /security-matrix:${surface} -->`;

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function uncell(text: string): string {
  return text.trim().replace(/\\\|/g, '|');
}

export function renderRows(rows: readonly MatrixRow[]): string {
  return [
    ...HEADER,
    ...rows.map((r) => `| ${[r.id, r.surface, r.attack, r.expected, r.observed].map(cell).join(' | ')} |`),
  ].join('\n');
}

/** Splits a table line on unescaped pipes. */
function cellsOf(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map(uncell);
}

/** The rows of one surface's section; undefined when the page has no such section. */
export function parseSection(doc: string, surface: string): MatrixRow[] | undefined {
  const from = doc.indexOf(begin(surface));
  const to = doc.indexOf(end(surface));
  if (from < 0 || to < from) return undefined;
  const lines = doc
    .slice(from + begin(surface).length, to)
    .split('\n')
    .filter((l) => l.trim().startsWith('|'))
    .slice(HEADER.length);
  return lines.map((line) => {
    const [id = '', surfaceName = '', attack = '', expected = '', observed = ''] = cellsOf(line);
    return { id, surface: surfaceName, attack, expected, observed };
  });
}

/** The page with one surface's section replaced (or appended when it is new). */
export function replaceSection(doc: string, surface: string, rows: readonly MatrixRow[]): string {
  const block = `${begin(surface)}\n${renderRows(rows)}\n${end(surface)}`;
  const from = doc.indexOf(begin(surface));
  const to = doc.indexOf(end(surface));
  if (from < 0 || to < from) return `${doc.trimEnd()}\n\n${block}\n`;
  return `${doc.slice(0, from)}${block}${doc.slice(to + end(surface).length)}`;
}

/** Human-readable differences between the page's rows and the observed ones (empty when equal). */
export function differences(documented: readonly MatrixRow[], observed: readonly MatrixRow[]): string[] {
  const out: string[] = [];
  const byId = new Map(documented.map((r) => [r.id, r]));
  for (const row of observed) {
    const doc = byId.get(row.id);
    if (doc === undefined) {
      out.push(`${row.id}: tried but not in docs/security.md`);
      continue;
    }
    for (const field of ['surface', 'attack', 'expected', 'observed'] as const) {
      if (doc[field] !== row[field]) {
        out.push(`${row.id}: ${field} is "${doc[field]}" in the page, "${row[field]}" in the run`);
      }
    }
  }
  const seen = new Set(observed.map((r) => r.id));
  for (const row of documented) if (!seen.has(row.id)) out.push(`${row.id}: in the page but not tried`);
  if (out.length === 0 && documented.map((r) => r.id).join() !== observed.map((r) => r.id).join()) {
    out.push('rows are in a different order than the suite tries them');
  }
  return out;
}
