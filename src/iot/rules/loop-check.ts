/**
 * Whether a republish topic template can produce a topic that the rule's own FROM filter matches, so
 * that the rule would trigger itself (AWS IoT Developer Guide, "Creating an AWS IoT rule" warns about
 * republish rules and wildcard topics). Both sides are turned into glob patterns over characters:
 * template text is literal and each `${...}` is any string (it may contain `/`, as `${topic()}` does);
 * in the filter `+` (MQTT 3.1.1 section 4.7.1.3) is any string without `/`, and `x/#` (section 4.7.1.2)
 * is `x` or `x/` followed by any string. The patterns can match a common topic if and only if a
 * breadth-first search over pairs of positions reaches the end of both.
 */
import type { Template } from './substitution.js';

type GlobToken = { readonly kind: 'char'; readonly ch: string } | { readonly kind: 'any' | 'level' };
type Glob = readonly GlobToken[];

const chars = (text: string): GlobToken[] => [...text].map((ch) => ({ kind: 'char', ch }));

function templateGlob(template: Template): Glob {
  return template.parts.flatMap((part): GlobToken[] =>
    part.kind === 'text' ? chars(part.text) : [{ kind: 'any' }],
  );
}

function filterGlobs(filter: string): Glob[] {
  const levels = filter.split('/');
  const hash = levels[levels.length - 1] === '#';
  const fixed = hash ? levels.slice(0, -1) : levels;
  const glob: GlobToken[] = [];
  for (const [index, level] of fixed.entries()) {
    if (index > 0) glob.push({ kind: 'char', ch: '/' });
    glob.push(...(level === '+' ? [{ kind: 'level' } as const] : chars(level)));
  }
  if (!hash) return [glob];
  if (fixed.length === 0) return [[{ kind: 'any' }]];
  return [glob, [...glob, { kind: 'char', ch: '/' }, { kind: 'any' }]];
}

/** A character no literal uses: stands for "any other character" when only wildcards can take it. */
const OTHER = '\u{10FFFF}';

function accepts(token: GlobToken | undefined, ch: string): boolean {
  if (token === undefined) return false;
  if (token.kind === 'char') return token.ch === ch;
  return token.kind === 'any' || ch !== '/';
}

function globsIntersect(a: Glob, b: Glob): boolean {
  const seen = new Set<number>();
  const queue: [number, number][] = [[0, 0]];
  const width = b.length + 1;
  while (queue.length > 0) {
    const [i, j] = queue.pop() ?? [0, 0];
    const key = i * width + j;
    if (seen.has(key)) continue;
    seen.add(key);
    if (i === a.length && j === b.length) return true;
    const ta = a[i];
    const tb = b[j];
    // A wildcard may match the empty string.
    if (ta !== undefined && ta.kind !== 'char') queue.push([i + 1, j]);
    if (tb !== undefined && tb.kind !== 'char') queue.push([i, j + 1]);
    const candidates = new Set(['/', OTHER]);
    if (ta?.kind === 'char') candidates.add(ta.ch);
    if (tb?.kind === 'char') candidates.add(tb.ch);
    for (const ch of candidates) {
      if (!accepts(ta, ch) || !accepts(tb, ch)) continue;
      // A wildcard stays in place after taking a character; a literal moves on.
      queue.push([ta?.kind === 'char' ? i + 1 : i, tb?.kind === 'char' ? j + 1 : j]);
    }
  }
  return false;
}

/** True when some message could make `template` render a topic that `filter` matches. */
export function templateMayMatchFilter(template: Template, filter: string): boolean {
  const glob = templateGlob(template);
  return filterGlobs(filter).some((filterGlob) => globsIntersect(glob, filterGlob));
}
