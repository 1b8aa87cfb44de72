/**
 * Authenticates an S3 request with SigV4 (header or pre-signed, service "s3", S3 path rules) or a COS
 * signature (q-sign-algorithm=sha1), both against the same credential store; anonymous requests are
 * refused, and SigV2 (header or pre-signed URL) with S3's answer where only SigV4 is accepted (400
 * InvalidRequest, ../auth/sigv2.ts). A credential's optional scope ("bucket" or "bucket/key-prefix")
 * limits what it can reach.
 */
import { AuthError } from '../auth/sigv4/errors.js';
import { hasSigV2, SIGV2_NOT_SUPPORTED } from '../auth/sigv2.js';
import { hasSigV4, verifySigV4, type VerifiedSigV4 } from '../auth/sigv4/verify.js';
import { hasCosSignature, verifyCos, type VerifiedCos } from '../auth/cos/verify.js';
import type { QueryParam } from '../auth/sigv4/encoding.js';
import { headerValue, type HeaderMap } from '../auth/sigv4/headers.js';
import type { StorageContext } from './context.js';
import { S3Error } from './s3-errors.js';

export type AuthResult = { kind: 'sigv4'; sigv4: VerifiedSigV4 } | { kind: 'cos'; cos: VerifiedCos };

export interface AuthInput {
  method: string;
  rawPath: string;
  query: readonly QueryParam[];
  headers: HeaderMap;
  bucket: string | undefined;
  key: string | undefined;
}

export function authenticate(storage: StorageContext, input: AuthInput): AuthResult {
  try {
    let result: AuthResult;
    if (hasSigV4(input)) {
      result = {
        kind: 'sigv4',
        sigv4: verifySigV4(input, {
          service: 's3',
          region: signingRegion(storage, input.headers),
          s3: true,
          credentials: storage.credentials,
          clock: storage.clock,
          clockSkewSeconds: storage.limits.clockSkewSeconds,
          maxExpirySeconds: storage.limits.maxPresignExpirySeconds,
        }),
      };
    } else if (hasCosSignature(input)) {
      result = {
        kind: 'cos',
        cos: verifyCos(
          { ...input, pathname: `/${input.key ?? ''}` },
          {
            credentials: storage.credentials,
            clock: storage.clock,
            clockSkewSeconds: storage.limits.clockSkewSeconds,
            maxExpirySeconds: storage.limits.maxPresignExpirySeconds,
          },
        ),
      };
    } else if (hasSigV2(input)) {
      throw new S3Error('InvalidRequest', SIGV2_NOT_SUPPORTED);
    } else {
      throw new S3Error('AccessDenied', 'Anonymous access is not allowed; sign the request (SigV4 or COS)');
    }
    checkScope(result, input);
    checkSession(storage, result, input);
    return result;
  } catch (err) {
    if (err instanceof AuthError) throw new S3Error(err.code, err.message);
    throw err;
  }
}

const COS_DOMAIN = /^cos\.([a-z0-9-]+)\.myqcloud\.com$/;

/**
 * The region a SigV4 request must be signed for: the store's, except on a Tencent COS host the store
 * serves (`cos.<region>.myqcloud.com` in storage.virtualHostDomains, path or virtual-hosted), where COS's
 * S3-compatible API is signed for that COS region, as the S3 SDK does against COS.
 */
function signingRegion(storage: StorageContext, headers: HeaderMap): string {
  const host = (headerValue(headers, 'host') ?? '').toLowerCase().replace(/:\d+$/, '');
  for (const domain of storage.virtualHostDomains) {
    const cos = COS_DOMAIN.exec(domain);
    if (cos?.[1] !== undefined && (host === domain || host.endsWith(`.${domain}`))) return cos[1];
  }
  return storage.region;
}

function checkScope(result: AuthResult, input: AuthInput): void {
  const scope = result.kind === 'sigv4' ? result.sigv4.credential.scope : result.cos.credential.scope;
  if (scope === undefined) return;
  const slash = scope.indexOf('/');
  const bucket = slash < 0 ? scope : scope.slice(0, slash);
  const prefix = slash < 0 ? '' : scope.slice(slash + 1);
  if (input.bucket !== bucket || (prefix !== '' && !(input.key ?? '').startsWith(prefix))) {
    throw new S3Error('AccessDenied', 'These credentials do not grant access to this resource');
  }
}

/** The IAM action of a request, coarsely by method on an object or a bucket. */
function s3Action(method: string, key: string | undefined): `s3:${string}` {
  if (key === undefined)
    return method === 'GET' || method === 'HEAD' ? 's3:ListBucket' : `s3:${method}Bucket`;
  switch (method) {
    case 'GET':
    case 'HEAD':
      return 's3:GetObject';
    case 'PUT':
    case 'POST':
      return 's3:PutObject';
    case 'DELETE':
      return 's3:DeleteObject';
    default:
      return `s3:${method}Object`;
  }
}

/** Temporary credentials of an assumed role reach only what the role's policy allows. */
function checkSession(storage: StorageContext, result: AuthResult, input: AuthInput): void {
  const credential = result.kind === 'sigv4' ? result.sigv4.credential : result.cos.credential;
  if (credential.session === undefined) return;
  const action = s3Action(input.method, input.key);
  if (storage.authorizeSession?.(credential, action, input.bucket, input.key) !== true) {
    throw new S3Error('AccessDenied', `The role of these credentials does not allow ${action} here`);
  }
}
