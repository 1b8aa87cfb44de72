/**
 * Starting the SQS-compatible queue: the store in `<dataDir>/queue/queue.db` and an HTTPS listener with
 * the camlink server certificate (`<dataDir>/pki/server/endpoint.*.pem`); plain HTTP only with the
 * explicit `devHttp` flag. Queue URLs are `<url>/<account>/<name>`.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { CredentialStore } from '../auth/credentials.js';
import type { QueueConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { listenOn, loadServerCert, urlHost } from '../http/listener.js';
import { systemClock, type Clock, type RandomBytes } from '../util/clock.js';
import { createQueueHandler } from './http.js';
import type { QueueAuthOptions } from './auth.js';
import { QueueStore } from './store.js';

export interface QueueServerOptions {
  config: QueueConfig;
  dataDir: string;
  region: string;
  accountId: string;
  partition?: 'aws' | 'aws-cn';
  credentials: CredentialStore;
  /** Assumed roles' SQS permissions (their policies); unset: temporary credentials may not use SQS. */
  authorizeSession?: QueueAuthOptions['authorizeSession'];
  /** Base of the queue URLs it answers with (GetQueueUrl, ListQueues); default: its own URL. */
  publicUrl?: string;
  /** Server key and chain; default: the camlink server certificate "endpoint" in dataDir. */
  tls?: { key: Buffer; cert: Buffer };
  clock?: Clock;
  random?: RandomBytes;
  logger?: Logger;
}

export interface RunningQueueServer {
  url: string;
  store: QueueStore;
  close(): Promise<void>;
}

export function queueDbPath(dataDir: string): string {
  return join(dataDir, 'queue', 'queue.db');
}

export async function startQueueServer(options: QueueServerOptions): Promise<RunningQueueServer> {
  const { config } = options;
  const tls = config.devHttp ? undefined : (options.tls ?? (await loadServerCert(options.dataDir)));
  const clock = options.clock ?? systemClock;
  const store = new QueueStore({
    path: queueDbPath(options.dataDir),
    region: options.region,
    accountId: options.accountId,
    maxQueues: config.limits.maxQueues,
    clock,
    ...(options.partition ? { partition: options.partition } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
  // A dead-lettered message is worth a line: nothing else reads the dead-letter queue by itself.
  store.events.on('dead-lettered', (m) =>
    options.logger?.warn(
      {
        queue: m.queue,
        deadLetterQueue: m.deadLetterQueue,
        messageId: m.messageId,
        receiveCount: m.receiveCount,
      },
      'message moved to the dead-letter queue',
    ),
  );
  let url = '';
  const handler = createQueueHandler({
    store,
    region: options.region,
    credentials: options.credentials,
    ...(options.authorizeSession ? { authorizeSession: options.authorizeSession } : {}),
    clock,
    clockSkewSeconds: config.limits.clockSkewSeconds,
    maxRequestBytes: config.limits.maxRequestBytes,
    baseUrl: () => options.publicUrl ?? url,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const server: Server = tls
    ? createHttpsServer({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' }, handler)
    : createHttpServer(handler);
  server.requestTimeout = 60_000;
  try {
    await listenOn(server, {
      service: 'the queue (SQS)',
      host: config.host,
      port: config.port,
      configKey: 'queue.port',
    });
  } catch (err) {
    store.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  url = `${tls ? 'https' : 'http'}://${urlHost(config.host)}:${address.port}`;
  if (!tls) options.logger?.warn({ url }, 'DEV ONLY: the queue listens on plain HTTP');
  return {
    url,
    store,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
      server.closeIdleConnections();
      setImmediate(() => server.closeAllConnections());
      await closed;
    },
  };
}
