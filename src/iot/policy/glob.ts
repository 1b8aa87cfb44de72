/**
 * Policy wildcards: in Action and Resource strings `*` matches any run of characters (including "/")
 * and `?` exactly one. MQTT's `+` and `#` have no special meaning here: in a topicfilter resource they
 * are literal characters matched against the filter the client subscribed with.
 *
 * Patterns are token lists compiled once per policy and shared by every connection; policy variables
 * stay symbolic and take the connection's value at match time, always as literal text.
 */
export type GlobToken =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'variable'; readonly name: string }
  | { readonly kind: 'star' }
  | { readonly kind: 'one' };

const VARIABLE = /\$\{([^}]*)\}/g;

/** Splits a pattern into literal text, ${variables} and wildcards. */
export function compileGlob(pattern: string, variables = true): GlobToken[] {
  const tokens: GlobToken[] = [];
  const pushText = (text: string) => {
    let run = '';
    for (const ch of text) {
      if (ch === '*' || ch === '?') {
        if (run) tokens.push({ kind: 'text', text: run });
        run = '';
        tokens.push(ch === '*' ? { kind: 'star' } : { kind: 'one' });
      } else {
        run += ch;
      }
    }
    if (run) tokens.push({ kind: 'text', text: run });
  };
  if (!variables) {
    pushText(pattern);
    return tokens;
  }
  let last = 0;
  for (const match of pattern.matchAll(VARIABLE)) {
    pushText(pattern.slice(last, match.index));
    tokens.push({ kind: 'variable', name: match[1] ?? '' });
    last = match.index + match[0].length;
  }
  pushText(pattern.slice(last));
  return tokens;
}

/** The variables a pattern uses. */
export function variablesOf(tokens: readonly GlobToken[]): string[] {
  return tokens.flatMap((t) => (t.kind === 'variable' ? [t.name] : []));
}

/**
 * Wildcard matching with backtracking to the last star (linear for the usual patterns). `value` gives
 * each variable's text; the caller guarantees every variable resolves.
 */
export function matchGlob(
  tokens: readonly GlobToken[],
  subject: string,
  value: (name: string) => string,
  ignoreCase = false,
): boolean {
  const s = ignoreCase ? subject.toLowerCase() : subject;
  let i = 0;
  let p = 0;
  let starToken = -1;
  let starPos = 0;
  for (;;) {
    const token = tokens[i];
    if (token !== undefined) {
      if (token.kind === 'star') {
        starToken = i++;
        starPos = p;
        continue;
      }
      if (token.kind === 'one') {
        if (p < s.length) {
          i++;
          p++;
          continue;
        }
      } else {
        const raw = token.kind === 'text' ? token.text : value(token.name);
        const text = ignoreCase ? raw.toLowerCase() : raw;
        if (s.startsWith(text, p)) {
          i++;
          p += text.length;
          continue;
        }
      }
    } else if (p === s.length) {
      return true;
    }
    if (starToken < 0 || starPos >= s.length) return false;
    starPos++;
    p = starPos;
    i = starToken + 1;
  }
}
