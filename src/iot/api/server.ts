/**
 * The AWS IoT control-plane API (restJson1) over HTTPS: every request is SigV4-signed for service
 * "iot" by a known access key; bodies are at most 256 KiB; errors carry x-amzn-ErrorType and
 * {"message"} with the operation's status, which is how @aws-sdk/client-iot reads them.
 */
import http from 'node:http';
import https from 'node:https';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { listenOn } from '../../http/listener.js';
import type { Logger } from '../../log/logger.js';
import type { Clock } from '../../util/clock.js';
import type { CredentialRecord, CredentialStore } from '../../auth/credentials.js';
import { sessionResources, type IotArnScope } from './session-auth.js';
import { verifySigV4 } from '../../auth/sigv4/verify.js';
import { AuthError } from '../../auth/sigv4/errors.js';
import { BodyTooLargeError, readBody, sigv4RequestOf } from '../../http/aws-request.js';
import { IotApiError } from '../registry/errors.js';
import { routes } from './routes.js';
import type { RouteDeps } from './route-kit.js';

export const IOT_API_BODY_LIMIT = 256 * 1024;

export interface IotApiOptions extends RouteDeps {
  host: string;
  port: number;
  region: string;
  /** HTTPS key and chain; plain HTTP only when undefined (dev flag, loopback). */
  tls: { key: Buffer; cert: Buffer } | undefined;
  credentials: CredentialStore;
  clock: Clock;
  logger: Logger;
  clockSkewSeconds?: number;
  /**
   * Temporary credentials of an assumed role (e.g. the embedded STS's): may the role do `iot:<Operation>`
   * on `resourceArn`? Unset: such credentials may not call the IoT API at all.
   */
  authorizeSession?: {
    readonly scope: IotArnScope;
    authorize(
      this: void,
      credential: CredentialRecord,
      action: `iot:${string}`,
      resourceArn: string,
    ): boolean;
  };
}

export interface RunningIotApi {
  url: string;
  close(): Promise<void>;
}

export async function startIotApi(options: IotApiOptions): Promise<RunningIotApi> {
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res, options).catch((err: unknown) => {
      options.logger.error({ err }, 'IoT API request failed');
      if (!res.headersSent) sendError(res, new IotApiError('InternalFailureException', 'internal error'));
    });
  };
  const server = options.tls
    ? https.createServer({ ...options.tls, minVersion: 'TLSv1.2' }, handler)
    : http.createServer(handler);
  await listenOn(server, {
    service: 'the IoT API',
    host: options.host,
    port: options.port,
    configKey: 'iot.api.port',
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

async function handle(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  options: IotApiOptions,
): Promise<void> {
  let body: Buffer;
  try {
    body = await readBody(req, IOT_API_BODY_LIMIT);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      return sendError(res, new IotApiError('RequestEntityTooLargeException', err.message), true);
    }
    throw err;
  }
  let session: CredentialRecord | undefined;
  try {
    const verified = verifySigV4(sigv4RequestOf(req, body), {
      service: 'iot',
      region: options.region,
      s3: false,
      credentials: options.credentials,
      clock: options.clock,
      clockSkewSeconds: options.clockSkewSeconds ?? 900,
      maxExpirySeconds: 604_800,
    });
    // Temporary credentials of an assumed role carry no IoT permission unless a role policy grants it
    // (authorizeSession, checked once the operation is known).
    if (verified.credential.session !== undefined && options.authorizeSession !== undefined) {
      session = verified.credential;
    } else if (verified.credential.session !== undefined) {
      return sendError(
        res,
        new IotApiError(
          'ForbiddenException',
          `role ${verified.credential.session.roleArn} may not call the IoT API`,
        ),
      );
    }
  } catch (err) {
    if (err instanceof AuthError) return sendError(res, authError(err, isUnsigned(req)));
    throw err;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  const candidates = routes.filter((r) => r.path.test(path));
  const route = candidates.find((r) => r.method === req.method);
  if (route === undefined) {
    return sendError(
      res,
      new IotApiError(
        // Not ResourceNotFoundException: a client deleting something must not read "already gone"
        // from an operation this API does not serve.
        candidates.length > 0 ? 'InvalidRequestException' : 'UnknownOperationException',
        `no operation ${req.method} ${path}`,
      ),
    );
  }
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(route.path.exec(path)?.groups ?? {})) {
    params[name] = decodeURIComponent(value);
  }
  let json: unknown = {};
  if (body.length > 0) {
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return sendError(res, new IotApiError('InvalidRequestException', 'the request body is not JSON'));
    }
  }
  const input = { params, query: url.searchParams, headers: req.headers, body: json };
  if (session !== undefined && options.authorizeSession !== undefined) {
    const { scope, authorize } = options.authorizeSession;
    const action = `iot:${route.operation}` as const;
    const denied = sessionResources(route.operation, path, input, scope).find(
      (resource) => !authorize(session, action, resource),
    );
    if (denied !== undefined) {
      return sendError(
        res,
        new IotApiError(
          'AccessDeniedException',
          `User: ${session.session?.roleArn ?? 'session'} is not authorized to perform: ${action} on resource: ${denied}`,
        ),
      );
    }
  }
  try {
    const result = await route.handle(input, options);
    const text = JSON.stringify(result ?? {});
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    options.logger.debug({ operation: route.operation }, 'IoT API');
  } catch (err) {
    if (err instanceof IotApiError) return sendError(res, err);
    throw err;
  }
}

/** Neither an Authorization header nor a pre-signed query: no attempt at signing at all. */
function isUnsigned(req: http.IncomingMessage): boolean {
  return req.headers.authorization === undefined && !/[?&]X-Amz-Signature=/i.test(req.url ?? '');
}

function authError(err: AuthError, unsigned: boolean): IotApiError {
  if (unsigned) return new IotApiError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  switch (err.code) {
    case 'InvalidAccessKeyId':
    case 'InvalidToken':
    case 'ExpiredToken':
      return new IotApiError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    case 'SignatureDoesNotMatch':
      return new IotApiError(
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided.',
      );
    default:
      return new IotApiError('ForbiddenException', err.message);
  }
}

function sendError(res: http.ServerResponse, err: IotApiError, close = false): void {
  const text = JSON.stringify({ message: err.message });
  res.writeHead(err.status, {
    'content-type': 'application/json',
    'x-amzn-errortype': err.type,
    'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
}
