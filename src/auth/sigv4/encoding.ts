/**
 * URI encoding and canonical URI / query string for SigV4 (AWS General Reference, "Create a canonical
 * request"; S3 API Reference "sig-v4-header-based-auth"). RFC 3986 unreserved characters stay, everything
 * else is %XX (uppercase hex) of its UTF-8 bytes. S3 encodes the path once and never normalizes it;
 * other services normalize dot segments and encode the already-encoded wire path a second time.
 */

const UNRESERVED = /[A-Za-z0-9\-._~]/;

export function uriEncode(value: string, encodeSlash = true): string {
  let out = '';
  for (const char of value) {
    if (UNRESERVED.test(char) || (!encodeSlash && char === '/')) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8'))
      out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Percent-decoding that never throws: an invalid escape is kept as written ("%zz" stays "%zz"). */
export function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value.replace(/%([0-9A-Fa-f]{2})/g, (m, hex: string) => {
      const code = parseInt(hex, 16);
      return code < 0x80 ? String.fromCharCode(code) : m;
    });
  }
}

/** S3: decode each segment of the wire path and encode it once; empty segments and dots are kept. */
export function canonicalUriS3(rawPath: string): string {
  if (rawPath === '') return '/';
  return rawPath
    .split('/')
    .map((segment) => uriEncode(safeDecode(segment)))
    .join('/');
}

/** Generic services: remove dot segments and duplicate slashes, then encode the wire path again. */
export function canonicalUriGeneric(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = rawPath.endsWith('/') && segments.length > 0 ? '/' : '';
  return `/${segments.map((s) => uriEncode(s)).join('/')}${trailing}`;
}

export type QueryParam = readonly [name: string, value: string];

/** Splits a raw query string into decoded name/value pairs; "+" is a literal plus, as SDKs never send it. */
export function parseQuery(rawQuery: string): QueryParam[] {
  if (rawQuery === '') return [];
  return rawQuery
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq < 0
        ? ([safeDecode(part), ''] as const)
        : ([safeDecode(part.slice(0, eq)), safeDecode(part.slice(eq + 1))] as const);
    });
}

/** Encoded name=value pairs sorted by name then value, "&"-joined; `exclude` names are left out. */
export function canonicalQueryString(params: readonly QueryParam[], exclude: readonly string[] = []): string {
  return params
    .filter(([name]) => !exclude.includes(name))
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}
