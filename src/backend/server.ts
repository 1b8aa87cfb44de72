/**
 * The backend as a running service: opens the configured store, bootstraps the operator token, builds
 * the app and listens (HTTPS with the endpoint server certificate; plain HTTP only when asked for, on
 * loopback). Used by `camlink backend`; `camlink up` will embed the same function.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { inDataDir } from '../config/paths.js';
import type { CamlinkConfig } from '../config/schema.js';
import { CamlinkError, systemErrorCode } from '../errors/camlink-error.js';
import { listenFailure } from '../http/listener.js';
import type { Logger } from '../log/logger.js';
import { serverCertPaths } from '../pki/server-cert.js';
import { servicesTls } from '../platform/server-tls.js';
import { systemClock, systemRandom, type Clock, type RandomBytes } from '../util/clock.js';
import { ensureOperatorToken } from './auth/operator-token.js';
import { buildBackendApp } from './http/app.js';
import { createBackendServices } from './cloud/services.js';
import type { ServiceEndpoints } from '../contracts/endpoints.js';
import { openBackendStore, storeLocation } from './store/open.js';
import { Registry } from 'prom-client';
import { EventHub } from './events/hub.js';
import { startPgEventRelay } from './events/pg-relay.js';
import { Thumbnailer } from './uploads/thumbnailer.js';
import { dependencyProbe } from './uploads/breaker.js';
import { UploadConsumer } from './uploads/consumer.js';
import { DeadLetterWatcher } from './uploads/dead-letters.js';
import { UploadSweeper } from './uploads/sweeper.js';
import { issueUpload } from './uploads/issue.js';
import { openMqttPool } from './mqtt/pool.js';
import { startUploadUrlResponder } from './mqtt/upload-url-responder.js';
import { userEventRepublisher } from './mqtt/user-events.js';
import { startPresenceTracker } from './presence/tracker.js';
import { reconcile } from './uploads/reconcile.js';
import { BackendHealth, type FailedCheck } from './health.js';
import { corruptionAdvice } from '../util/sqlite.js';

export interface StartBackendOptions {
  readonly config: Readonly<CamlinkConfig>;
  readonly logger: Logger;
  /** Plain HTTP instead of HTTPS (development); refused unless the host is a loopback address. */
  readonly devHttp?: boolean;
  readonly clock?: Clock;
  readonly random?: RandomBytes;
  /** The embedded platform's endpoints (inside `camlink up`); otherwise endpoints.json or backend.aws. */
  readonly endpoints?: ServiceEndpoints;
  /**
   * Called once the endpoint acknowledged (SUBACK) the backend's MQTT subscriptions (upload-URL
   * requests, presence): `camlink up` admits devices from then on (src/broker/admission.ts). Not called
   * when the MQTT session is off or did not start.
   */
  readonly onMqttReady?: () => void;
  /** Checks `camlink up` found failed at start (its other databases): /healthz reports them too. */
  readonly platformChecks?: readonly FailedCheck[];
}

export interface RunningBackend {
  readonly url: string;
  readonly store: 'sqlite' | 'postgres';
  readonly operatorTokenFile: string;
  /** True when this start generated the operator token file. */
  readonly operatorTokenCreated: boolean;
  close(): Promise<void>;
}

const CHALLENGE_RETENTION_MS = 24 * 60 * 60 * 1000;
const CHALLENGE_PURGE_INTERVAL_MS = 60 * 60 * 1000;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startBackend(options: StartBackendOptions): Promise<RunningBackend> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const devHttp = options.devHttp === true;
  if (devHttp && !LOOPBACK.has(config.backend.host)) {
    throw new CamlinkError(
      'CLI_USAGE',
      `--dev-http serves without TLS and is refused on ${config.backend.host}; use a loopback address`,
    );
  }
  const tls = devHttp
    ? undefined
    : config.tls.services !== undefined
      ? await servicesTls(config.dataDir, config.tls)
      : await loadServerTls(config.dataDir);
  const health = new BackendHealth(options.platformChecks);
  const storeAt = storeLocation(config.dataDir, config.backend.store);
  const storeName = storeAt.kind === 'sqlite' ? basename(storeAt.path) : 'postgres';
  const store = await openBackendStore(storeAt, clock.now().getTime(), {
    dataDir: config.dataDir,
    onFailure: (err) => {
      if (err.code !== 'DATABASE_CORRUPT') return;
      const check = { name: storeName, check: 'statement', code: err.code, detail: err.message };
      if (health.fail(check)) {
        logger.error(
          { file: err.details?.file, code: err.code, err: err.message },
          'the backend database is damaged: a statement failed on it; /healthz answers degraded',
        );
      }
    },
  });
  const closers: (() => Promise<void> | void)[] = [() => store.close()];
  try {
    // A damaged database still serves what is intact; the check makes it visible (logs, /healthz).
    const problems = await store.checkIntegrity('quick');
    if (problems.length > 0) {
      health.fail({
        name: storeName,
        check: 'quick_check',
        code: 'DATABASE_CORRUPT',
        detail: problems.slice(0, 3).join('; '),
      });
      logger.error(
        {
          file: storeAt.kind === 'sqlite' ? storeAt.path : undefined,
          code: 'DATABASE_CORRUPT',
          problems: problems.slice(0, 5),
        },
        `the backend database failed its integrity check at start; serving what is intact, /healthz answers degraded: ${corruptionAdvice(config.dataDir)}`,
      );
    }
    const services = await createBackendServices(config, {
      clock,
      ...(options.endpoints ? { endpoints: options.endpoints } : {}),
    });
    closers.unshift(() => services.close());
    const tokenFile = inDataDir(config.dataDir, config.backend.operatorTokenFile);
    const operator = await ensureOperatorToken(store, tokenFile, clock, random);
    const events = new EventHub(clock, config.backend.events.replayBuffer);
    if (storeAt.kind === 'postgres' && config.backend.events.postgresRelay) {
      const relay = await startPgEventRelay({
        url: storeAt.url,
        hub: events,
        logger: logger.child({ component: 'event-relay' }),
      });
      closers.unshift(() => relay.close());
    }
    const metricsRegistry = new Registry();
    // The dead-letter count: on every replica (one GetQueueAttributes a minute), for /metrics and the dashboard.
    const deadLetters = new DeadLetterWatcher({
      sqs: services.sqs,
      queueUrl: services.uploadQueueUrl,
      logger: logger.child({ component: 'dead-letters' }),
      clock,
      registry: metricsRegistry,
      intervalMs: config.backend.reconciler.deadLetterCheckSeconds * 1000,
    });
    if (config.backend.reconciler.deadLetterCheckSeconds > 0) {
      deadLetters.start();
      closers.unshift(() => deadLetters.stop());
    }
    const app = await buildBackendApp(
      {
        store,
        clock,
        logger,
        config: { backend: config.backend, pki: config.pki },
        services,
        events,
        random,
        ...(config.backend.reconciler.deadLetterCheckSeconds > 0 ? { deadLetters } : {}),
        health,
      },
      { tls, metricsRegistry },
    );
    closers.unshift(() => app.close());
    try {
      await app.listen({
        host: config.backend.host,
        port: config.backend.port,
        // fastify names the scheme from its own `https` option, which the TLS server factory bypasses:
        // its line would say http:// while the API serves HTTPS.
        listenTextResolver: (address) => `backend API listening at ${tls ? toHttps(address) : address}`,
      });
    } catch (err) {
      throw listenFailure(err, {
        service: 'the backend API',
        host: config.backend.host,
        port: config.backend.port,
        configKey: 'backend.port',
      });
    }
    // Spent and expired pairing challenges are kept a day (for support questions), then purged.
    const purge = () =>
      store
        .purgePairingChallenges(clock.now().getTime() - CHALLENGE_RETENTION_MS)
        .then((n) => n > 0 && logger.info({ purged: n }, 'purged old pairing challenges'))
        .catch((err: unknown) => logger.warn({ err }, 'purging pairing challenges failed'));
    void purge();
    const purgeTimer = setInterval(() => void purge(), CHALLENGE_PURGE_INTERVAL_MS);
    purgeTimer.unref();
    closers.unshift(() => clearInterval(purgeTimer));
    if (config.backend.reconciler.enabled) {
      const { batchSize, waitTimeSeconds, concurrency } = config.backend.reconciler;
      const reconcilerLog = logger.child({ component: 'reconciler' });
      const thumbnailer = config.backend.thumbnails.enabled
        ? new Thumbnailer({
            objects: services.objects,
            settings: config.backend.thumbnails,
            logger: reconcilerLog,
            registry: metricsRegistry,
            made: (job, thumbnailKey) =>
              events.publish(job.userId, 'upload.thumbnail', {
                uploadId: job.upload.uploadId,
                deviceId: job.upload.deviceId,
                bucket: job.upload.bucket,
                thumbnailKey,
              }),
          })
        : undefined;
      // Stopped after the consumer (below): the thumbnails under way finish while the S3 client works.
      if (thumbnailer !== undefined) closers.unshift(() => thumbnailer.stop());
      const reconcileDeps = {
        store,
        clock,
        logger: reconcilerLog,
        services,
        events,
        ...(thumbnailer === undefined ? {} : { thumbnailer }),
      };
      const consumer = new UploadConsumer({
        sqs: services.sqs,
        queueUrl: services.uploadQueueUrl,
        batchSize,
        waitTimeSeconds,
        concurrency,
        logger: reconcilerLog,
        registry: metricsRegistry,
        probe: dependencyProbe({
          store,
          objects: services.objects,
          bucket: config.backend.uploads.bucket,
          clock,
        }),
        reconcile: (body) => reconcile(reconcileDeps, body),
      });
      consumer.start();
      // Stopped first: in-flight notifications finish while the store and the S3 client still work.
      closers.unshift(() => consumer.stop());
      const sweep = config.backend.uploads.sweep;
      if (sweep.enabled) {
        // Pending uploads whose notification never came, decided with the reconciler's own code.
        const sweeper = new UploadSweeper(
          { ...reconcileDeps, logger: logger.child({ component: 'sweeper' }) },
          { intervalMs: sweep.intervalSeconds * 1000, batchSize: sweep.batchSize, registry: metricsRegistry },
        );
        sweeper.start();
        closers.unshift(() => sweeper.stop());
      }
    }
    if (config.backend.mqttSession && services.mqtt !== undefined) {
      const mqttLog = logger.child({ component: 'backend-mqtt' });
      try {
        const session = await openMqttPool(services.mqtt, mqttLog, config.backend.mqttPool);
        closers.unshift(() => session.close());
        const issueDeps = {
          store,
          clock,
          config: { backend: config.backend, pki: config.pki },
          services,
          random,
        };
        await startUploadUrlResponder({
          session,
          store,
          objects: services.objects,
          issue: (input) => issueUpload(issueDeps, input),
          logger: mqttLog,
          clock,
          // A replayed answer's PUT URL keeps at least half its lifetime.
          replayTtlMs: Math.min(60_000, config.backend.uploads.putUrlTtlSeconds * 500),
        });
        const republisher = userEventRepublisher(session, mqttLog);
        const detach = events.onPublish((event, userId) => void republisher.forward(userId, event));
        closers.unshift(detach);
        // Presence is optional: a policy from before it was added refuses the subscription.
        await startPresenceTracker(session, { store, events, logger: mqttLog }).catch((err: unknown) =>
          mqttLog.error(
            { err: err instanceof Error ? err.message : String(err) },
            'device presence is off: the backend cannot follow the lifecycle events',
          ),
        );
        mqttLog.info({ connections: session.stats.connections }, 'backend MQTT subscriptions acknowledged');
        options.onMqttReady?.();
      } catch (err) {
        // The HTTP API and the reconciler work without it; say loudly what is missing.
        mqttLog.error(
          { err: err instanceof Error ? err.message : String(err), url: services.mqtt.url },
          'the backend MQTT session did not start: upload-URL requests over MQTT, MQTT user events and device presence are off',
        );
      }
    }
    const { port } = app.server.address() as AddressInfo;
    const host = config.backend.host.includes(':') ? `[${config.backend.host}]` : config.backend.host;
    if (devHttp)
      logger.warn({ host: config.backend.host }, 'backend serves plain HTTP (--dev-http): development only');
    return {
      url: `${tls ? 'https' : 'http'}://${host}:${port}`,
      store: store.dialect,
      operatorTokenFile: tokenFile,
      operatorTokenCreated: operator.created,
      async close() {
        for (const close of closers.splice(0)) await close();
      },
    };
  } catch (err) {
    for (const close of closers.splice(0)) await close();
    throw err;
  }
}

async function loadServerTls(dataDir: string): Promise<{ key: Buffer; cert: Buffer }> {
  const { certPath, keyPath } = serverCertPaths(dataDir, 'endpoint');
  try {
    return { key: await readFile(keyPath), cert: await readFile(certPath) };
  } catch (err) {
    if (systemErrorCode(err) !== 'ENOENT') {
      throw new CamlinkError('FILE_UNREADABLE', `cannot read the server certificate ${certPath}`, {
        cause: err,
      });
    }
    throw new CamlinkError(
      'FILE_UNREADABLE',
      `no server certificate at ${certPath}: run \`camlink up\` once in this data dir to issue it, or pass --dev-http (loopback, development only)`,
    );
  }
}

/** fastify's listening address (always http://) as the HTTPS URL it is. */
function toHttps(address: string): string {
  return address.replace(/^http:\/\//, 'https://');
}
