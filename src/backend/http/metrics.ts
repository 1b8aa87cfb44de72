/**
 * Prometheus metrics of one app instance (its own prom-client Registry, so two apps in one process do
 * not share counters): requests by method, route template and status, and their duration.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';

export interface HttpMetrics {
  readonly registry: Registry;
}

/** `registry`: shared with other parts of the same backend (the upload consumer's counters). */
export function installMetrics(app: FastifyInstance, registry: Registry = new Registry()): HttpMetrics {
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'camlink_backend_http_requests_total',
    help: 'HTTP requests answered by the backend, by method, route template and status.',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'camlink_backend_http_request_duration_seconds',
    help: 'Time from request start to response end, by method, route template and status.',
    labelNames,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  app.addHook('onResponse', (request, reply, done) => {
    // The route template (/v1/devices/:id), never the raw URL: ids must not become label values.
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
  return { registry };
}
