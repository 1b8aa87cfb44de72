/**
 * The credentials provider's HTTPS endpoint (AWS: `<prefix>.credentials.iot.<region>.amazonaws.com`,
 * DescribeEndpoint type iot:CredentialProvider): mutual TLS with the endpoint's trust list, one route
 * `GET /role-aliases/<alias>/credentials`, answers `{"credentials": {...}}` or `{"message"}` with the
 * status AWS uses (400, 403, 404, 429). Secrets never reach the log.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { peerCertificate } from '../../broker/identity.js';
import { listenOn } from '../../http/listener.js';
import type { Logger } from '../../log/logger.js';
import { mutualTlsOptions, type TlsServerMaterial } from '../../pki/tls-material.js';
import { CredentialsProviderError, type CredentialsProvider } from './provider.js';

const ROUTE = /^\/role-aliases\/([^/?]{1,128})\/credentials$/;
/** Requests carry no body; anything longer than this many header bytes is refused by node. */
const MAX_HEADER_BYTES = 16 * 1024;

export interface CredentialsServerOptions {
  readonly provider: CredentialsProvider;
  readonly tls: TlsServerMaterial;
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
}

export interface RunningCredentialsServer {
  /** https://host:port */
  readonly url: string;
  reloadTls(material: TlsServerMaterial): void;
  close(): Promise<void>;
}

export async function startCredentialsServer(
  options: CredentialsServerOptions,
): Promise<RunningCredentialsServer> {
  const { logger } = options;
  const server = https.createServer(
    { ...mutualTlsOptions(options.tls), maxHeaderSize: MAX_HEADER_BYTES },
    (req, res) => handle(options, req, res),
  );
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await listenOn(server, {
    service: 'the IoT credentials provider',
    host: options.host,
    port: options.port,
    configKey: 'iot.credentials.port',
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  logger.info({ port }, 'IoT credentials provider listening');
  return {
    url: `https://${host}:${port}`,
    reloadTls: (material) => server.setSecureContext(mutualTlsOptions(material)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function handle(options: CredentialsServerOptions, req: IncomingMessage, res: ServerResponse): void {
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const path = (req.url ?? '').split('?')[0] ?? '';
  const alias = ROUTE.exec(path)?.[1];
  if (req.method !== 'GET' || alias === undefined) {
    reply(404, { message: 'only GET /role-aliases/<alias>/credentials is served here' });
    return;
  }
  const peer = peerCertificate(req.socket as TLSSocket);
  if (peer === undefined) {
    reply(403, { message: 'a client certificate is required' });
    return;
  }
  const header = req.headers['x-amzn-iot-thingname'];
  const thingName = Array.isArray(header) ? header[0] : header;
  try {
    const credentials = options.provider.issue(peer, decodeURIComponent(alias), thingName);
    options.logger.info(
      {
        roleAlias: alias,
        thingName,
        accessKeyId: credentials.accessKeyId,
        expiration: credentials.expiration,
      },
      'issued temporary credentials',
    );
    reply(200, { credentials });
  } catch (err) {
    if (err instanceof CredentialsProviderError) {
      options.logger.warn(
        { roleAlias: alias, thingName, status: err.status, reason: err.message },
        'credentials refused',
      );
      reply(err.status, { message: err.message });
      return;
    }
    options.logger.error({ err }, 'credentials provider failed');
    reply(500, { message: 'internal error' });
  }
}
