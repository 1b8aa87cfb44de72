/**
 * The IAM-compatible HTTPS endpoint (AWS: iam.amazonaws.com, signing region us-east-1; China:
 * iam.cn-north-1.amazonaws.com.cn, signing region cn-north-1, for both China regions): SigV4 for
 * service "iam" against the shared credential store, the AWS Query protocol, the operations of
 * actions.ts. Only the platform's own key pair (the account's administrator) may call it; a session
 * of any role is AccessDenied. Every other action is InvalidAction. Secrets never reach the log.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { CredentialRecord, CredentialStore } from '../auth/credentials.js';
import { AuthError } from '../auth/sigv4/errors.js';
import { verifySigV4 } from '../auth/sigv4/verify.js';
import { BodyTooLargeError, readBody, sigv4RequestOf } from '../http/aws-request.js';
import { requestParams, startQueryListener, type RunningQueryListener } from '../http/query-protocol.js';
import type { Logger } from '../log/logger.js';
import { iamSigningRegion } from '../rehearsal/names.js';
import type { Clock } from '../util/clock.js';
import { IAM_ACTIONS } from './actions.js';
import { IamError } from './errors.js';
import { iamErrorXml, iamResultXml, IAM_VERSION } from './query.js';
import type { IamStore } from './store.js';

/** Large enough for a 131,072-character policy document, form-encoded. */
export const IAM_BODY_LIMIT = 512 * 1024;

export { iamSigningRegion };

export interface IamServerOptions {
  readonly store: IamStore;
  readonly host: string;
  readonly port: number;
  readonly tls: { key: Buffer; cert: Buffer };
  readonly credentials: CredentialStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly clockSkewSeconds?: number;
}

export type RunningIamServer = RunningQueryListener;

export async function startIamServer(options: IamServerOptions): Promise<RunningIamServer> {
  return startQueryListener({
    name: 'IAM',
    host: options.host,
    port: options.port,
    tls: options.tls,
    logger: options.logger,
    answer: async (req) => {
      const requestId = randomUUID();
      try {
        return { status: 200, xml: await handle(req, options, requestId) };
      } catch (err) {
        const iamError =
          err instanceof IamError ? err : new IamError('ServiceFailure', 'An internal error occurred.');
        if (!(err instanceof IamError)) options.logger.error({ err, requestId }, 'IAM request failed');
        else options.logger.info({ code: iamError.code, requestId }, 'IAM request refused');
        return {
          status: iamError.status,
          xml: iamErrorXml(iamError, requestId),
          close: iamError.status === 413,
        };
      }
    },
  });
}

async function handle(
  req: http.IncomingMessage,
  options: IamServerOptions,
  requestId: string,
): Promise<string> {
  if (req.method !== 'POST' && req.method !== 'GET') {
    throw new IamError('UnsupportedProtocol', `${req.method ?? ''} is not supported; use POST or GET`);
  }
  let body: Buffer;
  try {
    body = await readBody(req, IAM_BODY_LIMIT);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new IamError('RequestEntityTooLarge', err.message);
    throw err;
  }
  // The caller first: nothing about the request is looked at for someone unknown.
  const credential = authenticate(req, body, options);
  const params = requestParams(req, body, (code, message) => new IamError(code, message));
  const action = params.get('Action');
  if (action === undefined || action === '') {
    throw new IamError('MissingAction', 'The request must contain the parameter Action');
  }
  const version = params.get('Version');
  const handler = version === IAM_VERSION ? IAM_ACTIONS[action] : undefined;
  if (handler === undefined || !Object.hasOwn(IAM_ACTIONS, action)) {
    throw new IamError(
      'InvalidAction',
      `Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`,
    );
  }
  if (credential.session !== undefined) {
    const role = params.get('RoleName');
    const { partition, account } = options.store.scope;
    throw new IamError(
      'AccessDenied',
      `User: ${credential.session.roleArn} is not authorized to perform: iam:${action} on resource: ` +
        `arn:${partition}:iam::${account}:role/${role ?? '*'}`,
    );
  }
  const result = handler(options.store, params);
  options.logger.info({ action, roleName: params.get('RoleName'), requestId }, 'IAM');
  return iamResultXml(action, result, requestId);
}

function authenticate(req: http.IncomingMessage, body: Buffer, options: IamServerOptions): CredentialRecord {
  const unsigned = req.headers.authorization === undefined && !/[?&]X-Amz-Signature=/i.test(req.url ?? '');
  if (unsigned) throw new IamError('MissingAuthenticationToken', 'Request is missing Authentication Token');
  try {
    return verifySigV4(sigv4RequestOf(req, body), {
      service: 'iam',
      region: iamSigningRegion(options.store.scope.partition),
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
        throw new IamError('InvalidClientTokenId', 'The security token included in the request is invalid.');
      case 'ExpiredToken':
        throw new IamError('ExpiredToken', 'The security token included in the request is expired');
      case 'SignatureDoesNotMatch':
        throw new IamError('SignatureDoesNotMatch', err.message);
      case 'RequestTimeTooSkewed':
        throw new IamError('SignatureDoesNotMatch', `Signature expired: ${err.message}`);
      default:
        // IAM's answer to a request signed for another region than its own.
        if (/the region '.*' is wrong/.test(err.message)) {
          throw new IamError('SignatureDoesNotMatch', 'Credential should be scoped to a valid region.');
        }
        throw new IamError('IncompleteSignature', err.message);
    }
  }
}
