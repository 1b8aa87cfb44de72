/**
 * The CC backend's HTTP app (fastify 5): /v1 behind bearer tokens, /healthz, /metrics, the OpenAPI
 * document at /docs and the web dashboard at / (dashboard.ts). Built from injected dependencies and never listening by itself, so tests drive it
 * with inject() and `camlink backend` (or `camlink up`) decides where it listens.
 */
import https from 'node:https';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerFactory,
} from 'fastify';
import swagger from '@fastify/swagger';
import type { Registry } from 'prom-client';
import { requireAuth } from './auth.js';
import { dashboardRoutes } from './dashboard.js';
import type { BackendDeps } from './deps.js';
import { installErrorHandling, sendFrameworkError } from './errors.js';
import { installMetrics } from './metrics.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { deviceRoutes } from './routes/devices.js';
import { eventRoutes } from './routes/events.js';
import { opsRoutes } from './routes/ops.js';
import { pairingRoutes } from './routes/pairing.js';
import { videoRoutes } from './routes/video.js';
import { uploadRoutes } from './routes/uploads.js';
import { userRoutes } from './routes/users.js';
import { installZodValidation } from './validation.js';
import { KEEP_ALIVE_TIMEOUT_MS } from '../../http/listener.js';

export type { BackendDeps } from './deps.js';

export interface BackendAppOptions {
  /** Serve HTTPS with this key and chain when the app listens; inject() works either way. */
  readonly tls?: { readonly key: Buffer; readonly cert: Buffer } | undefined;
  /** The /metrics registry, when other parts of the backend (the upload consumer) add to it. */
  readonly metricsRegistry?: Registry;
  /** The built web dashboard served at `/` (default: web/dist of this checkout). */
  readonly dashboardDir?: string;
}

export async function buildBackendApp(
  deps: BackendDeps,
  options: BackendAppOptions = {},
): Promise<FastifyInstance> {
  // Typed as fastify's base logger so route modules take a plain FastifyInstance.
  const logger: FastifyBaseLogger = deps.logger;
  const app: FastifyInstance = Fastify({
    loggerInstance: logger,
    // One debug line per request (below) instead of fastify's two info lines.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.config.backend.bodyLimitBytes,
    return503OnClosing: true,
    frameworkErrors: (err, _request, reply) => sendFrameworkError(err, reply),
    ...(options.tls === undefined ? {} : { serverFactory: httpsServerFactory(options.tls) }),
  });
  // Only JSON bodies are parsed; anything else is UNSUPPORTED_MEDIA_TYPE.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );
  installErrorHandling(app);
  installZodValidation(app);
  const metrics = installMetrics(app, options.metricsRegistry);
  app.addHook('onResponse', (request, reply, done) => {
    request.log.debug(
      { method: request.method, route: request.routeOptions.url, status: reply.statusCode },
      'backend request',
    );
    done();
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'camlink backend (CC BE)',
        version: 'v1',
        description:
          'Errors are {"error":{"code","message"}} with a stable code (docs/errors.md). ' +
          'Every /v1 route needs Authorization: Bearer <token>.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });

  opsRoutes(app, deps, metrics);
  dashboardRoutes(app, options.dashboardDir);
  await app.register(
    (v1, _opts, done) => {
      requireAuth(v1, deps.store, deps.clock);
      userRoutes(v1, deps);
      deviceRoutes(v1, deps);
      pairingRoutes(v1, deps);
      uploadRoutes(v1, deps);
      videoRoutes(v1, deps);
      eventRoutes(v1, deps);
      deadLetterRoutes(v1, deps);
      done();
    },
    { prefix: '/v1' },
  );
  await app.ready();
  return app;
}

/** An HTTPS server for fastify: same request/response API as http, TLS 1.2 or newer. */
function httpsServerFactory(tls: { key: Buffer; cert: Buffer }): FastifyServerFactory {
  return (handler) => {
    const server = https.createServer({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' }, handler);
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    return server;
  };
}
