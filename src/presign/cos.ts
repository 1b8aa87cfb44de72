/**
 * Tencent COS pre-signed URLs signed with cos-nodejs-sdk-v5 (COS.getAuthorization, q-sign-algorithm=sha1;
 * COS API "Request Signature"). Endpoint <bucket>-<appid>.cos.<region>.myqcloud.com, or path style on a
 * custom endpoint (the embedded store: https://host:port/<bucket>-<appid>/<key>). The key time is taken
 * from the injected clock (start = now - 1 s, as the SDK does), so URLs are reproducible in tests.
 * Keys are static (secretId/secretKey, optional securityToken) or a source of temporary keys resolved
 * before each URL; a URL never outlives its keys (credential-window.ts).
 */
import COS from 'cos-nodejs-sdk-v5';
import { CamlinkError } from '../errors/camlink-error.js';
import { signingWindows } from './credential-window.js';
import { systemClock, type Clock } from '../util/clock.js';
import {
  checkPresignInput,
  MAX_PRESIGN_EXPIRY_SECONDS,
  type PresignedRequest,
  type PresignInput,
  type Presigner,
  signedPutHeaders,
} from './presigner.js';

/** COS keys; temporary ones (STS TmpSecretId/TmpSecretKey) come with a token and an expiration. */
export interface CosCredentials {
  readonly secretId: string;
  readonly secretKey: string;
  /** Temporary credentials: added as x-cos-security-token. */
  readonly securityToken?: string | undefined;
  readonly expiration?: Date | undefined;
}

/** Resolves COS keys; `forceRefresh` asks for new ones instead of a cached copy. */
export type CosCredentialSource = (options?: { forceRefresh?: boolean }) => Promise<CosCredentials>;

interface CosPresignerBase {
  /** The APPID suffix of bucket names, e.g. 1250000000. */
  appId: string;
  /** COS region, e.g. ap-shanghai. */
  region: string;
  /** Path-style custom endpoint such as https://127.0.0.1:9000 (local testing). */
  endpoint?: string;
  clock?: Clock;
  maxExpirySeconds?: number;
}

export type CosPresignerOptions = CosPresignerBase &
  (
    | { secretId: string; secretKey: string; securityToken?: string; credentials?: undefined }
    | { credentials: CosCredentialSource; secretId?: undefined; secretKey?: undefined }
  );

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
  let source: CosCredentialSource;
  if (options.credentials === undefined) {
    const fixed: CosCredentials = {
      secretId: options.secretId,
      secretKey: options.secretKey,
      securityToken: options.securityToken,
    };
    source = () => Promise.resolve(fixed);
  } else {
    source = options.credentials;
  }
  const signingWindow = signingWindows(source);
  return {
    async presign(input) {
      checkPresignInput(input, maxExpiry);
      if (input.checksumSha256 !== undefined) {
        // COS has no x-amz-checksum-sha256 (it checks Content-MD5 only): refuse rather than drop it.
        throw new CamlinkError('PRESIGN_INVALID', 'COS cannot verify a SHA-256 checksum on PUT');
      }
      const now = clock.now();
      const window = await signingWindow(now, input.expiresInSeconds);
      return sign(input, now, window.credentials, window.expiresInSeconds);
    },
  };

  function sign(
    input: PresignInput,
    now: Date,
    credentials: CosCredentials,
    expiresInSeconds: number,
  ): PresignedRequest {
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
    const start = Math.floor(now.getTime() / 1000) - 1;
    const end = start + expiresInSeconds;
    // content-type and content-length are among the headers the SDK signs (q-header-list).
    const headers = signedPutHeaders(input);
    const authorization = COS.getAuthorization({
      SecretId: credentials.secretId,
      SecretKey: credentials.secretKey,
      // The SDK lowercases any method; its type just omits HEAD.
      Method: input.method.toLowerCase() as COS.StaticGetAuthorizationOptions['Method'],
      Key: input.key,
      Headers: { host, ...headers },
      KeyTime: `${start};${end}`,
    });
    let url = `${base}/${cosEncodeKey(input.key)}?${authorization}`;
    if (credentials.securityToken !== undefined) {
      url += `&x-cos-security-token=${encodeURIComponent(credentials.securityToken)}`;
    }
    return { url, method: input.method, headers, expiresAt: new Date(end * 1000) };
  }
}
