/**
 * A backend app on a test store (SQLite or PostgreSQL), a settable clock, the operator token and
 * helpers to call it through inject() and to snapshot the store's row counts. Its cloud services are a
 * real embedded platform (IoT API, object store, queue, broker) on free ports, reached through the AWS
 * SDK exactly as in production.
 *
 * The backend's clock stands at the real time of the test's start and can be moved forward (challenge and upload expiry);
 * the platform keeps real time. Moving the clock more than the SigV4 skew (15 minutes) makes the
 * backend's pre-signed URLs unusable, so a test that advances far should not upload afterwards.
 */
import { test, type TestContext } from 'node:test';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { ensureOperatorToken } from '../../src/backend/auth/operator-token.js';
import { buildBackendApp } from '../../src/backend/http/app.js';
import type { BackendStore } from '../../src/backend/store/types.js';
import { createLogger } from '../../src/log/logger.js';
import { systemRandom } from '../../src/util/clock.js';
import { openTestStore, storeKinds, type StoreKind } from './backend-store.js';
import { platformConfig, startTestPlatform } from './platform.js';
import { SkewClock } from './endpoint.js';
import type { CamlinkConfig, ConfigInput } from '../../src/config/schema.js';
import type { RunningPlatform } from '../../src/platform/platform.js';
import { createBackendServices } from '../../src/backend/cloud/services.js';
import type { BackendServices } from '../../src/backend/cloud/types.js';
import type { ServiceEndpoints } from '../../src/contracts/endpoints.js';
import { EventHub } from '../../src/backend/events/hub.js';
import { DeadLetterWatcher } from '../../src/backend/uploads/dead-letters.js';
import { Registry } from 'prom-client';
import type { BackendHealth } from '../../src/backend/health.js';
import { tempDir } from './tmp.js';
import { join } from 'node:path';
import { Writable } from 'node:stream';

/** Stands still at the second it was made (real time, so the platform accepts its signatures). */
export class FixedClock {
  constructor(private ms = Math.floor(Date.now() / 1000) * 1000) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface TestBackend {
  app: FastifyInstance;
  /** The embedded platform the backend's services point at (its own embedded backend is unused). */
  platform: RunningPlatform;
  /** The platform's clock: real time plus a skew tests may add (AWS allows 1 CONNECT/s per client id). */
  platformClock: SkewClock;
  services: BackendServices;
  config: CamlinkConfig;
  store: BackendStore;
  clock: FixedClock;
  /** The app's event hub (GET /v1/events); a test's reconciler publishes into it. */
  events: EventHub;
  operatorToken: string;
  call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  /** Creates a user through the API; returns its id and token. */
  user(name: string): Promise<{ id: string; token: string }>;
  /** With `watchDeadLetters`: the app's dead-letter watcher (GET /v1/dead-letters, /metrics). */
  deadLetters: DeadLetterWatcher | undefined;
}

export interface BackendTestOptions {
  bodyLimitBytes?: number;
  deviceIdPattern?: string;
  /**
   * Overrides of the backend section (uploads, pairing, events...); a function receives the running
   * platform's endpoints (e.g. for backend.cos.endpoint) and applies to the backend only.
   */
  backend?: ConfigInput['backend'] | ((endpoints: ServiceEndpoints) => ConfigInput['backend']);
  /** Overrides of the platform's storage section (e.g. accessKeys). */
  storage?: ConfigInput['storage'];
  /** Receives every log line (the logger runs at trace level when given). */
  logLines?: string[];
  /** Receives every info-level log line of the platform (queue, broker...), parsed. */
  onPlatformLog?: (line: Record<string, unknown>) => void;
  /** Watch the upload queue's dead-letter queue (checked only when the test calls check()). */
  watchDeadLetters?: boolean;
  /** Failed checks /healthz reports (the backend's start-up integrity check). */
  health?: BackendHealth;
}

export async function startTestBackend(
  t: TestContext,
  kind: StoreKind,
  options: BackendTestOptions = {},
): Promise<TestBackend> {
  const store = await openTestStore(t, kind);
  const clock = new FixedClock();
  const dataDir = await tempDir(t);
  const extra = (backend: ConfigInput['backend']): ConfigInput => ({
    storage: { ...options.storage },
    backend: {
      // The platform's own embedded backend stays off MQTT and off the queue: tests run those parts
      // of the backend under test themselves.
      mqttSession: false,
      ...backend,
      reconciler: { ...backend?.reconciler, enabled: false },
      ...(options.bodyLimitBytes === undefined ? {} : { bodyLimitBytes: options.bodyLimitBytes }),
    },
    ...(options.deviceIdPattern === undefined ? {} : { pki: { deviceIdPattern: options.deviceIdPattern } }),
  });
  const late = typeof options.backend === 'function' ? options.backend : undefined;
  const platformClock = new SkewClock();
  const started = await startTestPlatform(t, dataDir, {
    clock: platformClock,
    ...(options.onPlatformLog ? { onLog: options.onPlatformLog } : {}),
    extra: extra(late === undefined ? (options.backend as ConfigInput['backend']) : {}),
  });
  const { platform } = started;
  // A backend section that depends on the platform's endpoints applies to the backend only.
  const config =
    late === undefined ? started.config : platformConfig(dataDir, extra(late(platform.endpoints)));
  const services = await createBackendServices(config, { endpoints: platform.endpoints, clock });
  t.after(() => services.close());
  const { token: operatorToken } = await ensureOperatorToken(
    store,
    join(await tempDir(t), 'operator-token'),
    clock,
    systemRandom,
  );
  const events = new EventHub(clock, config.backend.events.replayBuffer);
  const logger =
    options.logLines === undefined
      ? createLogger({ level: 'silent' })
      : createLogger({ level: 'trace' }, lineSink(options.logLines));
  const metricsRegistry = new Registry();
  const deadLetters =
    options.watchDeadLetters === true
      ? new DeadLetterWatcher({
          sqs: services.sqs,
          queueUrl: services.uploadQueueUrl,
          logger,
          clock,
          registry: metricsRegistry,
          intervalMs: 0,
        })
      : undefined;
  const app = await buildBackendApp(
    {
      store,
      clock,
      events,
      logger,
      config: { backend: config.backend, pki: config.pki },
      services,
      ...(deadLetters === undefined ? {} : { deadLetters }),
      ...(options.health === undefined ? {} : { health: options.health }),
    },
    { metricsRegistry },
  );
  t.after(() => app.close());
  const call: TestBackend['call'] = (method, url, o = {}) => {
    const request: InjectOptions = {
      method,
      url,
      headers: {
        ...(o.token === undefined ? {} : { authorization: `Bearer ${o.token}` }),
        ...o.headers,
      },
    };
    if (o.body !== undefined) {
      if (typeof o.body === 'string') request.payload = o.body;
      else request.payload = JSON.stringify(o.body);
      request.headers = { 'content-type': 'application/json', ...request.headers };
    }
    return app.inject(request);
  };
  return {
    app,
    platform,
    platformClock,
    services,
    config,
    store,
    clock,
    events,
    operatorToken,
    call,
    deadLetters,
    async user(name) {
      const res = await call('POST', '/v1/users', { token: operatorToken, body: { name } });
      if (res.statusCode !== 201) throw new Error(`creating ${name}: ${res.statusCode} ${res.body}`);
      const body = res.json<{ user: { id: string }; token: { token: string } }>();
      return { id: body.user.id, token: body.token.token };
    },
  };
}

export function errorCode(res: LightMyRequestResponse): string | undefined {
  const body = res.json<{ error?: { code?: string } }>();
  return body.error?.code;
}

/** Declares `name` once per store kind with a fresh backend. */
export function backendTest(
  name: string,
  body: (t: TestContext, backend: TestBackend) => Promise<void>,
  options?: BackendTestOptions,
): void {
  for (const kind of storeKinds) {
    test(`${name} [${kind}]`, async (t) => body(t, await startTestBackend(t, kind, options)));
  }
}

function lineSink(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
}
