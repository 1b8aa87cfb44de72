/**
 * The STS-compatible HTTPS endpoint (AWS: sts.<region>.amazonaws.com[.cn]): SigV4 for service "sts"
 * against the shared credential store, the AWS Query protocol, AssumeRole and GetCallerIdentity. Every
 * other action is refused with InvalidAction (nothing is answered that is not done). Secrets never
 * reach the log.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { CredentialRecord, CredentialStore } from '../auth/credentials.js';
import { AuthError } from '../auth/sigv4/errors.js';
import { verifySigV4 } from '../auth/sigv4/verify.js';
import { BodyTooLargeError, readBody, sigv4RequestOf } from '../http/aws-request.js';
import { requestParams, startQueryListener, type RunningQueryListener } from '../http/query-protocol.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../util/clock.js';
import { StsError } from './errors.js';
import { errorXml, resultXml, STS_VERSION } from './query.js';
import type { StsService } from './service.js';

export const STS_BODY_LIMIT = 64 * 1024;
/** STS actions AWS has that this service does not perform: refused, never faked. */
const KNOWN_UNSUPPORTED = new Set([
  'AssumeRoleWithSAML',
  'AssumeRoleWithWebIdentity',
  'AssumeRoot',
  'DecodeAuthorizationMessage',
  'GetAccessKeyInfo',
  'GetDelegatedAccessToken',
  'GetFederationToken',
  'GetSessionToken',
  'GetWebIdentityToken',
]);

export interface StsServerOptions {
  readonly service: StsService;
  readonly host: string;
  readonly port: number;
  readonly region: string;
  readonly tls: { key: Buffer; cert: Buffer };
  readonly credentials: CredentialStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Accepted difference between a request's X-Amz-Date and the server clock (AWS: 5 minutes). */
  readonly clockSkewSeconds?: number;
}

export type RunningStsServer = RunningQueryListener;

export async function startStsServer(options: StsServerOptions): Promise<RunningStsServer> {
  return startQueryListener({
    name: 'STS',
    host: options.host,
    port: options.port,
    tls: options.tls,
    logger: options.logger,
    answer: async (req) => {
      const requestId = randomUUID();
      try {
        return { status: 200, xml: await handle(req, options) };
      } catch (err) {
        const stsError =
          err instanceof StsError ? err : new StsError('InternalFailure', 'An internal error occurred.');
        if (!(err instanceof StsError)) options.logger.error({ err, requestId }, 'STS request failed');
        else options.logger.info({ code: stsError.code, requestId }, 'STS request refused');
        return {
          status: stsError.status,
          xml: errorXml(stsError, requestId),
          close: stsError.status === 413,
        };
      }
    },
  });
}

async function handle(req: http.IncomingMessage, options: StsServerOptions): Promise<string> {
  if (req.method !== 'POST' && req.method !== 'GET') {
    throw new StsError('UnsupportedProtocol', `${req.method ?? ''} is not supported; use POST or GET`);
  }
  let body: Buffer;
  try {
    body = await readBody(req, STS_BODY_LIMIT);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new StsError('RequestEntityTooLarge', err.message);
    throw err;
  }
  // The caller first: nothing about the request is looked at for someone unknown.
  const credential = authenticate(req, body, options);
  const params = requestParams(req, body, (code, message) => new StsError(code, message));
  const action = params.get('Action');
  if (action === undefined || action === '') {
    throw new StsError('MissingParameter', 'The request must contain the parameter Action');
  }
  const version = params.get('Version');
  if (version !== STS_VERSION || (action !== 'AssumeRole' && action !== 'GetCallerIdentity')) {
    throw new StsError(
      'InvalidAction',
      KNOWN_UNSUPPORTED.has(action) && version === STS_VERSION
        ? `${action} is not supported by the embedded STS`
        : `Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`,
    );
  }
  const requestId = randomUUID();
  if (action === 'GetCallerIdentity') {
    const id = options.service.getCallerIdentity(credential);
    return resultXml(action, { Arn: id.arn, UserId: id.userId, Account: id.account }, requestId);
  }
  const input: { RoleArn?: string; RoleSessionName?: string; DurationSeconds?: string } = {};
  for (const name of ['RoleArn', 'RoleSessionName', 'DurationSeconds'] as const) {
    const value = params.get(name);
    if (value !== undefined) input[name] = value;
  }
  const assumed = options.service.assumeRole(credential, input);
  options.logger.info(
    {
      roleArn: input.RoleArn,
      assumedRoleUser: assumed.assumedRoleUser.arn,
      accessKeyId: assumed.credentials.accessKeyId,
      expiration: assumed.credentials.expiration,
    },
    'AssumeRole',
  );
  return resultXml(
    action,
    {
      Credentials: {
        AccessKeyId: assumed.credentials.accessKeyId,
        SecretAccessKey: assumed.credentials.secretAccessKey,
        SessionToken: assumed.credentials.sessionToken,
        Expiration: assumed.credentials.expiration,
      },
      AssumedRoleUser: {
        AssumedRoleId: assumed.assumedRoleUser.assumedRoleId,
        Arn: assumed.assumedRoleUser.arn,
      },
    },
    requestId,
  );
}

function authenticate(req: http.IncomingMessage, body: Buffer, options: StsServerOptions): CredentialRecord {
  const unsigned = req.headers.authorization === undefined && !/[?&]X-Amz-Signature=/i.test(req.url ?? '');
  if (unsigned) throw new StsError('MissingAuthenticationToken', 'Request is missing Authentication Token');
  try {
    return verifySigV4(sigv4RequestOf(req, body), {
      service: 'sts',
      region: options.region,
      s3: false,
      credentials: options.credentials,
      clock: options.clock,
      clockSkewSeconds: options.clockSkewSeconds ?? 300,
      maxExpirySeconds: 604_800,
    }).credential;
  } catch (err) {
    if (!(err instanceof AuthError)) throw err;
    switch (err.code) {
      case 'InvalidAccessKeyId':
      case 'InvalidToken':
        throw new StsError('InvalidClientTokenId', 'The security token included in the request is invalid.');
      case 'ExpiredToken':
        throw new StsError('ExpiredToken', 'The security token included in the request is expired');
      case 'SignatureDoesNotMatch':
        throw new StsError('SignatureDoesNotMatch', err.message);
      case 'RequestTimeTooSkewed':
        throw new StsError('SignatureDoesNotMatch', `Signature expired: ${err.message}`);
      default:
        throw new StsError('IncompleteSignature', err.message);
    }
  }
}
