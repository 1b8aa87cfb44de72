/**
 * Starting the Kinesis Video Streams-compatible service: the catalogue in `<dataDir>/video/video.db`,
 * fragment media under `<dataDir>/video/<stream>/<creation ms>/`, and an HTTPS listener with the
 * camlink server certificate (`<dataDir>/pki/server/endpoint.*.pem`); plain HTTP only with the explicit
 * `devHttp` flag. GetDataEndpoint answers `dataEndpoint` when given, else this server's own URL (the
 * data APIs are meant to be served by the same listener later).
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { CredentialStore } from '../auth/credentials.js';
import type { VideoConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { listenOn, loadServerCert, urlHost } from '../http/listener.js';
import { systemClock, type Clock, type RandomBytes } from '../util/clock.js';
import { createVideoHandler, type VideoAuthorizer } from './http.js';
import { createDataPlaneRouter, type VideoActionAuthorizer } from './data-plane.js';
import { HlsSessions } from './archive/sessions.js';
import { IngestState } from './ingest/put-media.js';
import type { ApiName } from './rules.js';
import { VideoStore } from './store.js';

export interface VideoServerOptions {
  config: VideoConfig;
  dataDir: string;
  region: string;
  accountId: string;
  partition?: 'aws' | 'aws-cn';
  credentials: CredentialStore;
  /** Server key and chain; default: the camlink server certificate "endpoint" in dataDir. */
  tls?: { key: Buffer; cert: Buffer };
  /** GetDataEndpoint's answer; default: this server's URL. */
  dataEndpoint?: string | ((apiName: ApiName) => string);
  /**
   * May this caller do `action` on this stream ARN? Default: every known key may do everything. The
   * platform passes the camera role's policy for temporary credentials.
   */
  authorize?: VideoActionAuthorizer;
  clock?: Clock;
  random?: RandomBytes;
  logger?: Logger;
}

export interface RunningVideoServer {
  url: string;
  store: VideoStore;
  close(): Promise<void>;
}

export function videoDir(dataDir: string): string {
  return join(dataDir, 'video');
}

export function videoDbPath(dataDir: string): string {
  return join(videoDir(dataDir), 'video.db');
}

export async function startVideoServer(options: VideoServerOptions): Promise<RunningVideoServer> {
  const { config } = options;
  const tls = config.devHttp ? undefined : (options.tls ?? (await loadServerCert(options.dataDir)));
  const clock = options.clock ?? systemClock;
  const store = new VideoStore({
    path: videoDbPath(options.dataDir),
    videoDir: videoDir(options.dataDir),
    region: options.region,
    accountId: options.accountId,
    maxStreams: config.limits.maxStreams,
    clock,
    ...(options.partition ? { partition: options.partition } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
  let url = '';
  const { dataEndpoint } = options;
  const { authorize } = options;
  const controlPlane = createVideoHandler({
    store,
    region: options.region,
    credentials: options.credentials,
    clock,
    clockSkewSeconds: config.limits.clockSkewSeconds,
    maxRequestBytes: config.limits.maxRequestBytes,
    dataEndpoint: (apiName) =>
      typeof dataEndpoint === 'function' ? dataEndpoint(apiName) : (dataEndpoint ?? url),
    ...(authorize ? { authorize: controlPlaneAuthorizer(store, authorize, options) } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const router = createDataPlaneRouter(controlPlane, {
    region: options.region,
    credentials: options.credentials,
    clock,
    clockSkewSeconds: config.limits.clockSkewSeconds,
    maxRequestBytes: config.limits.maxRequestBytes,
    idleTimeoutMs: config.limits.putMediaIdleSeconds * 1000,
    archive: {
      store,
      sessions: new HlsSessions(clock, config.limits.maxHlsSessions),
      clock,
      baseUrl: () => url,
    },
    ingest: new IngestState(),
    authorize: authorize ?? (() => true),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const server: Server = tls
    ? createHttpsServer({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' }, router)
    : createHttpServer(router);
  // PutMedia bodies stream for as long as the camera records; idleness is what ends them.
  server.requestTimeout = 0;
  server.headersTimeout = 10_000;
  try {
    await listenOn(server, {
      service: 'the video service (KVS)',
      host: config.host,
      port: config.port,
      configKey: 'video.port',
    });
  } catch (err) {
    store.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  url = `${tls ? 'https' : 'http'}://${urlHost(config.host)}:${address.port}`;
  if (!tls) options.logger?.warn({ url }, 'DEV ONLY: the video service listens on plain HTTP');
  return {
    url,
    store,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      setImmediate(() => server.closeAllConnections());
      await closed;
      store.close();
    },
  };
}

/** The control plane's hook from the action authorizer: the stream's ARN, or the ARN it would get. */
function controlPlaneAuthorizer(
  store: VideoStore,
  authorize: VideoActionAuthorizer,
  options: Pick<VideoServerOptions, 'region' | 'accountId' | 'partition'>,
): VideoAuthorizer {
  return ({ credential, operation, stream }) => {
    let arn = '*';
    if (stream.arn !== undefined) arn = stream.arn;
    else if (stream.name !== undefined) {
      try {
        arn = store.describeStream({ name: stream.name }).arn;
      } catch {
        arn = `arn:${options.partition ?? 'aws'}:kinesisvideo:${options.region}:${options.accountId}:stream/${stream.name}/0`;
      }
    }
    return authorize(credential, `kinesisvideo:${operation}`, arn);
  };
}
