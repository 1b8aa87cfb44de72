/**
 * Operational endpoints outside /v1. /healthz is open (a load balancer has no token) and says whether
 * the store answers and whether a check failed since start (a database's integrity check: `degraded`,
 * 503, naming the check and its database by base name only); /docs and /docs/openapi.json are open (the
 * API's shape is not a secret); /metrics needs the operator token, because route and status counts
 * describe the fleet's activity.
 */
import type { FastifyInstance } from 'fastify';
import { CamlinkError } from '../../../errors/camlink-error.js';
import { authenticate, requireOperator } from '../../auth/principal.js';
import { bearerSecurity } from '../auth.js';
import type { BackendDeps } from '../deps.js';
import type { HttpMetrics } from '../metrics.js';

export function opsRoutes(app: FastifyInstance, deps: BackendDeps, metrics: HttpMetrics): void {
  app.get(
    '/healthz',
    { schema: { summary: 'Liveness and store reachability (no token).', tags: ['ops'], security: [] } },
    async (_request, reply) => {
      try {
        await deps.store.ping();
      } catch (err) {
        throw new CamlinkError('STORE_UNAVAILABLE', 'the backend store does not answer', { cause: err });
      }
      const checks = deps.health?.failures() ?? [];
      if (checks.length > 0) {
        return reply.code(503).send({ status: 'degraded', store: deps.store.dialect, checks });
      }
      return { status: 'ok', store: deps.store.dialect };
    },
  );

  app.get(
    '/metrics',
    {
      schema: { summary: 'Prometheus metrics (operator token).', tags: ['ops'], security: bearerSecurity },
    },
    async (request, reply) => {
      requireOperator(await authenticate(request.headers.authorization, deps.store, deps.clock));
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  );

  const openapi = { schema: { hide: true } };
  app.get('/docs', openapi, () => app.swagger());
  app.get('/docs/openapi.json', openapi, () => app.swagger());
}
