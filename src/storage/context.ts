/** What every S3 operation handler receives: the store, the server options and the parsed request. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.js';
import type { CredentialRecord, CredentialStore } from '../auth/credentials.js';
import type { QueryParam } from '../auth/sigv4/encoding.js';
import type { HeaderMap } from '../auth/sigv4/headers.js';
import type { Clock } from '../util/clock.js';
import type { DiskStore } from './disk-layout.js';
import type { MultipartStore } from './multipart-store.js';
import type { AuthResult } from './authenticate.js';

export interface StorageLimits {
  maxObjectBytes: number;
  minPartBytes: number;
  maxPartBytes: number;
  maxParts: number;
  maxKeyBytes: number;
  maxUserMetadataBytes: number;
  maxHeaderBytes: number;
  maxPresignExpirySeconds: number;
  clockSkewSeconds: number;
}

/**
 * May these temporary credentials (an assumed role's, from the IoT credentials provider) do `action`
 * (s3:GetObject, s3:PutObject, ...) on this bucket and key? Without a hook they may do nothing.
 */
export type SessionAuthorizer = (
  credential: CredentialRecord,
  action: `s3:${string}`,
  bucket: string | undefined,
  key: string | undefined,
) => boolean;

export interface StorageContext {
  store: DiskStore;
  multipart: MultipartStore;
  credentials: CredentialStore;
  authorizeSession?: SessionAuthorizer | undefined;
  clock: Clock;
  region: string;
  virtualHostDomains: readonly string[];
  limits: StorageLimits;
  logger: Logger;
}

export interface S3RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  rawPath: string;
  query: readonly QueryParam[];
  headers: HeaderMap;
  bucket: string | undefined;
  key: string | undefined;
  requestId: string;
  auth: AuthResult;
}

export function queryValue(ctx: Pick<S3RequestContext, 'query'>, name: string): string | undefined {
  return ctx.query.find(([n]) => n === name)?.[1];
}

export function hasQuery(ctx: Pick<S3RequestContext, 'query'>, name: string): boolean {
  return ctx.query.some(([n]) => n === name);
}

export function header(ctx: Pick<S3RequestContext, 'headers'>, name: string): string | undefined {
  return ctx.headers.get(name)?.join(',');
}
