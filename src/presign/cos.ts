/**
 * Tencent COS pre-signed URLs signed with cos-nodejs-sdk-v5 (COS.getAuthorization, q-sign-algorithm=sha1;
 * COS API "Request Signature"). Endpoint <bucket>-<appid>.cos.<region>.myqcloud.com, or path style on a
 * custom endpoint (the embedded store: https://host:port/<bucket>-<appid>/<key>). The key time is taken
 * from the injected clock (start = now - 1 s, as the SDK does), so URLs are reproducible in tests.
 */
import COS from 'cos-nodejs-sdk-v5';
import { CamlinkError } from '../errors/camlink-error.js';
import { systemClock, type Clock } from '../util/clock.js';
import {
  checkPresignInput,
  MAX_PRESIGN_EXPIRY_SECONDS,
  type PresignedRequest,
  type PresignInput,
  type Presigner,
  signedPutHeaders,
} from './presigner.js';

export interface CosPresignerOptions {
  /** The APPID suffix of bucket names, e.g. 1250000000. */
  appId: string;
  /** COS region, e.g. ap-shanghai. */
  region: string;
  secretId: string;
  secretKey: string;
  /** Temporary credentials: added as x-cos-security-token. */
  securityToken?: string;
  /** Path-style custom endpoint such as https://127.0.0.1:9000 (local testing). */
  endpoint?: string;
  clock?: Clock;
  maxExpirySeconds?: number;
}

export function cosEncodeKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, '/');
}

export function createCosPresigner(options: CosPresignerOptions): Presigner {
  if (!/^\d{1,20}$/.test(options.appId))
    throw new CamlinkError('PRESIGN_INVALID', 'COS appId must be digits');
  if (!/^[a-z]+(-[a-z]+)+$/.test(options.region)) {
    throw new CamlinkError('PRESIGN_INVALID', `"${options.region}" is not a COS region like ap-shanghai`);
  }
  const clock = options.clock ?? systemClock;
  const maxExpiry = options.maxExpirySeconds ?? MAX_PRESIGN_EXPIRY_SECONDS;
  // Bad input is a rejected promise (the executor's throw), as with the S3 presigner.
  return {
    presign: (input) => new Promise((resolve) => resolve(sign(input))),
  };

  function sign(input: PresignInput): PresignedRequest {
    checkPresignInput(input, maxExpiry);
    if (input.checksumSha256 !== undefined) {
      // COS has no x-amz-checksum-sha256 (it checks Content-MD5 only): refuse rather than drop it.
      throw new CamlinkError('PRESIGN_INVALID', 'COS cannot verify a SHA-256 checksum on PUT');
    }
    const bucket = `${input.bucket}-${options.appId}`;
    let base: string;
    let host: string;
    if (options.endpoint === undefined) {
      host = `${bucket}.cos.${options.region}.myqcloud.com`;
      base = `https://${host}`;
    } else {
      const endpoint = new URL(options.endpoint);
      host = endpoint.host;
      base = `${endpoint.protocol}//${endpoint.host}/${bucket}`;
    }
    const start = Math.floor(clock.now().getTime() / 1000) - 1;
    const end = start + input.expiresInSeconds;
    // content-type and content-length are among the headers the SDK signs (q-header-list).
    const headers = signedPutHeaders(input);
    const authorization = COS.getAuthorization({
      SecretId: options.secretId,
      SecretKey: options.secretKey,
      // The SDK lowercases any method; its type just omits HEAD.
      Method: input.method.toLowerCase() as COS.StaticGetAuthorizationOptions['Method'],
      Key: input.key,
      Headers: { host, ...headers },
      KeyTime: `${start};${end}`,
    });
    let url = `${base}/${cosEncodeKey(input.key)}?${authorization}`;
    if (options.securityToken !== undefined) {
      url += `&x-cos-security-token=${encodeURIComponent(options.securityToken)}`;
    }
    return { url, method: input.method, headers, expiresAt: new Date(end * 1000) };
  }
}
