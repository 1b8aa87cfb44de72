/**
 * Tencent COS request signature, q-sign-algorithm=sha1 (COS API "Request Signature",
 * cloud.tencent.com/document/product/436/7778; reference implementation cos-nodejs-sdk-v5 util.getAuth):
 * SignKey = HMAC-SHA1(SecretKey, KeyTime); HttpString = method \n path \n params \n headers \n;
 * StringToSign = "sha1" \n SignTime \n SHA1(HttpString) \n; Signature = HMAC-SHA1(SignKey, StringToSign).
 */
import { createHash, createHmac } from 'node:crypto';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * encodeURIComponent plus ! ' ( ) * (the SDK's camSafeUrlEncode). A lone surrogate, which no client
 * can sign, encodes as U+FFFD instead of throwing URIError (found by cos.fuzz.test.ts).
 */
export function cosEncode(value: string): string {
  return encodeURIComponent(value.replace(LONE_SURROGATE, '\ufffd')).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export type CosPairs = readonly (readonly [name: string, value: string])[];

/** Lowercased encoded names, sorted: the q-header-list / q-url-param-list value. */
export function cosKeyList(pairs: CosPairs): string {
  return pairs
    .map(([name]) => cosEncode(name).toLowerCase())
    .sort()
    .join(';');
}

/** "k1=v1&k2=v2" with lowercased encoded names and encoded values, sorted by name. */
export function cosPairString(pairs: CosPairs): string {
  return pairs
    .map(([name, value]) => [cosEncode(name).toLowerCase(), cosEncode(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

export interface CosSignInput {
  method: string;
  /** The decoded object path, e.g. "/exampleobject(腾讯云)". */
  pathname: string;
  params: CosPairs;
  headers: CosPairs;
  /** "start;end" in Unix seconds. */
  keyTime: string;
  signTime?: string;
}

export function cosHttpString(input: CosSignInput): string {
  return [
    input.method.toLowerCase(),
    input.pathname,
    cosPairString(input.params),
    cosPairString(input.headers),
    '',
  ].join('\n');
}

export function cosSignKey(secretKey: string, keyTime: string): string {
  return createHmac('sha1', secretKey).update(keyTime).digest('hex');
}

export function cosStringToSign(signTime: string, httpString: string): string {
  return ['sha1', signTime, createHash('sha1').update(httpString, 'utf8').digest('hex'), ''].join('\n');
}

export function cosSignature(secretKey: string, input: CosSignInput): string {
  const signTime = input.signTime ?? input.keyTime;
  return createHmac('sha1', cosSignKey(secretKey, input.keyTime))
    .update(cosStringToSign(signTime, cosHttpString(input)))
    .digest('hex');
}
