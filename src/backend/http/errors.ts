/**
 * Every backend error is JSON `{ "error": { "code", "message" } }` with a code from the registry and its
 * HTTP status. Fastify's own failures (body parsing, size, media type, unknown routes) are mapped onto
 * the same codes; unexpected errors are logged and answered as INTERNAL without their message.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { CamlinkError, isCamlinkError } from '../../errors/camlink-error.js';
import type { ErrorCode } from '../../errors/registry.js';

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
};

export function toCamlinkError(err: unknown): CamlinkError | undefined {
  if (isCamlinkError(err)) return err;
  if (!(err instanceof Error)) return undefined;
  const fastifyError = err as Partial<FastifyError>;
  const mapped = fastifyError.code === undefined ? undefined : FASTIFY_CODES[fastifyError.code];
  if (mapped !== undefined) return new CamlinkError(mapped, err.message);
  // Body parsing errors without a known code (e.g. a JSON SyntaxError) are the client's.
  if (err instanceof SyntaxError || (fastifyError.statusCode === 400 && fastifyError.code !== undefined)) {
    return new CamlinkError('VALIDATION_FAILED', err.message);
  }
  return undefined;
}

export function sendError(reply: FastifyReply, err: CamlinkError): FastifyReply {
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  return reply.code(err.status).type('application/json; charset=utf-8').send(body);
}

/**
 * Fastify's router failures, raised before any handler (a path that does not percent-decode such as
 * /v1/devices/%zz, an over-long parameter), in the same envelope: the Fastify option `frameworkErrors`.
 * Found by rest.fuzz.test.ts: they were answered in Fastify's own {error, code, message, statusCode} shape.
 */
export function sendFrameworkError(err: FastifyError, reply: FastifyReply): void {
  void sendError(reply, toCamlinkError(err) ?? new CamlinkError('INTERNAL', 'internal error'));
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const known = toCamlinkError(err);
    if (known !== undefined) {
      if (known.status >= 500) request.log.error({ err }, 'backend request failed');
      return sendError(reply, known);
    }
    request.log.error({ err }, 'backend request failed unexpectedly');
    return sendError(reply, new CamlinkError('INTERNAL', 'internal error'));
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new CamlinkError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}
