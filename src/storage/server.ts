/**
 * The embedded S3-compatible object store as a server: HTTPS with a certificate from the camlink CA
 * (issueServerCert / loadTlsServerMaterial), or plain HTTP on loopback only behind an explicit dev flag
 * that logs a warning. Limits and defaults come from the `storage` config section (config/schema.ts).
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { storageConfigSchema } from '../config/schema.js';
import { CamlinkError } from '../errors/camlink-error.js';
import { createLogger, type Logger } from '../log/logger.js';
import type { CredentialStore } from '../auth/credentials.js';
import type { SessionAuthorizer } from './context.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { StorageContext, StorageLimits } from './context.js';
import { DiskStore } from './disk-layout.js';
import { MultipartStore } from './multipart-store.js';
import { handleS3Request } from './router.js';
import { KEEP_ALIVE_TIMEOUT_MS, listenOn } from '../http/listener.js';

export interface StorageServerOptions {
  /** Root of the object store (e.g. <camlink data dir>/storage). */
  dataDir: string;
  /** Server key and certificate chain (PEM). Required unless devHttp. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Plain HTTP, loopback only; for development. */
  devHttp?: boolean;
  host?: string;
  /** 0 picks a free port (tests). */
  port?: number;
  credentials: CredentialStore;
  /** What temporary credentials (an assumed role's) may do; without it they may do nothing. */
  authorizeSession?: SessionAuthorizer;
  region?: string;
  virtualHostDomains?: readonly string[];
  limits?: Partial<StorageLimits>;
  clock?: Clock;
  logger?: Logger;
}

export interface StorageServer {
  /** Base URL for path-style requests, e.g. https://127.0.0.1:9000 */
  url: string;
  port: number;
  store: DiskStore;
  /** Resolves when no request is being handled (tests: after a client abort, cleanup is done). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startStorageServer(options: StorageServerOptions): Promise<StorageServer> {
  const defaults = storageConfigSchema.parse({});
  const limits: StorageLimits = {
    maxObjectBytes: defaults.maxObjectBytes,
    minPartBytes: defaults.minPartBytes,
    maxPartBytes: defaults.maxPartBytes,
    maxParts: defaults.maxParts,
    maxKeyBytes: defaults.maxKeyBytes,
    maxUserMetadataBytes: defaults.maxUserMetadataBytes,
    maxHeaderBytes: defaults.maxHeaderBytes,
    maxPresignExpirySeconds: defaults.maxPresignExpirySeconds,
    clockSkewSeconds: defaults.clockSkewSeconds,
    ...options.limits,
  };
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const devHttp = options.devHttp === true;
  let host = options.host ?? (devHttp ? '127.0.0.1' : defaults.host);
  if (devHttp) {
    if (!LOOPBACK.has(host)) {
      throw new CamlinkError(
        'STORAGE_OPTIONS_INVALID',
        `plain HTTP (devHttp) binds loopback only, not ${host}`,
      );
    }
    if (host === 'localhost') host = '127.0.0.1';
    logger.warn(
      { host },
      'OBJECT STORE RUNNING OVER PLAIN HTTP (devHttp): signatures and objects travel unencrypted; development only',
    );
  } else if (options.tls === undefined) {
    throw new CamlinkError(
      'STORAGE_OPTIONS_INVALID',
      'the object store needs TLS material (key and cert) unless devHttp',
    );
  }

  const store = new DiskStore(options.dataDir, { logger });
  await store.init();
  const storage: StorageContext = {
    store,
    multipart: new MultipartStore(store),
    credentials: options.credentials,
    authorizeSession: options.authorizeSession,
    clock: options.clock ?? systemClock,
    region: options.region ?? defaults.region,
    virtualHostDomains: options.virtualHostDomains ?? defaults.virtualHostDomains,
    limits,
    logger,
  };
  const inflight = new Set<Promise<void>>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const done: Promise<void> = handleS3Request(storage, req, res).finally(() => inflight.delete(done));
    inflight.add(done);
  };
  const server: Server =
    devHttp || options.tls === undefined
      ? createHttpServer({ maxHeaderSize: limits.maxHeaderBytes }, handler)
      : createHttpsServer(
          {
            key: options.tls.key,
            cert: options.tls.cert,
            maxHeaderSize: limits.maxHeaderBytes,
            minVersion: 'TLSv1.2',
          },
          handler,
        );
  // Expect: 100-continue is answered by the router after authentication, so an unauthorized client
  // gets its 403 before it sends the body.
  server.on('checkContinue', handler);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  await listenOn(server, {
    service: 'the object store (S3)',
    host,
    port: options.port ?? defaults.port,
    configKey: 'storage.port',
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `${devHttp ? 'http' : 'https'}://${urlHost}:${port}`;
  logger.info({ url }, 'object store listening');
  return {
    url,
    port,
    store,
    settled: async () => {
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
