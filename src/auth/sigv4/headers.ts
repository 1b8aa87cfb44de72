/**
 * Request headers as SigV4 sees them: lowercase names, every occurrence kept in order (Node's
 * IncomingMessage.headers joins duplicates with ", " but the canonical form joins with ","), values
 * trimmed with inner whitespace runs collapsed to one space.
 */

export type HeaderMap = ReadonlyMap<string, readonly string[]>;

/** From Node's rawHeaders ([name, value, name, value, ...]). */
export function headersFromRaw(rawHeaders: readonly string[]): HeaderMap {
  const map = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    const list = map.get(name) ?? [];
    list.push(rawHeaders[i + 1] ?? '');
    map.set(name, list);
  }
  return map;
}

export function headersFromRecord(record: Readonly<Record<string, string | readonly string[]>>): HeaderMap {
  const map = new Map<string, string[]>();
  for (const [name, value] of Object.entries(record)) {
    const list = map.get(name.toLowerCase()) ?? [];
    list.push(...(typeof value === 'string' ? [value] : value));
    map.set(name.toLowerCase(), list);
  }
  return map;
}

export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const values = headers.get(name);
  return values === undefined ? undefined : values.join(',');
}

export function canonicalHeaderValue(values: readonly string[]): string {
  return values.map((v) => v.trim().replace(/\s+/g, ' ')).join(',');
}

/** "name:value\n" for each signed header, in the (sorted) order given; absent headers sign as empty. */
export function canonicalHeaders(headers: HeaderMap, signedHeaders: readonly string[]): string {
  return signedHeaders.map((name) => `${name}:${canonicalHeaderValue(headers.get(name) ?? [])}\n`).join('');
}
