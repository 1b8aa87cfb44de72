/**
 * Policy wildcards: in Action and Resource strings `*` matches any run of characters (including "/")
 * and `?` exactly one. MQTT's `+` and `#` have no special meaning here: in a topicfilter resource they
 * are literal characters matched against the filter the client subscribed with.
 */
export function globToRegExp(
  parts: readonly { text: string; literal: boolean }[],
  ignoreCase = false,
): RegExp {
  let source = '';
  for (const part of parts) {
    for (const ch of part.text) {
      if (!part.literal && ch === '*') source += '.*';
      else if (!part.literal && ch === '?') source += '.';
      else source += ch.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
}
