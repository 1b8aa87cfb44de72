/**
 * The embedded IoT endpoint's data plane: aedes 1.x (MQTT 3.1.1) behind Node's TLS server with client
 * certificates required and verified against the registered CAs and the CRL, sockets with TCP_NODELAY,
 * AWS IoT policies and limits (hooks.ts), presence events (presence.ts), topic rules, and optionally
 * several nodes sharing Redis. A plaintext listener exists only behind the explicit dev flag.
 */
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import type { BrokerConfig } from '../config/schema.js';
import { listenOn } from '../http/listener.js';
import type { Logger } from '../log/logger.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { ArnScope } from '../iot/policy/arn.js';
import type { TlsServerMaterial } from '../pki/tls-material.js';
import type { IdentityResolver } from './identity.js';
import { DeviceAdmission, type AdmissionOptions } from './admission.js';

/** aedes keeps a client's subscriptions (filter -> delivery function) on the client, untyped. */
type AedesClientInternals = Client & {
  subscriptions?: Record<string, { func: Parameters<Aedes['unsubscribe']>[1] } | undefined>;
};
import { EndpointHooks, type RuleSink } from './hooks.js';
import { MqttPacketGuard } from './packet-guard.js';
import { maxRemainingLength } from './limits.js';
import { connectedEvent, disconnectedEvent } from './presence.js';
import { redisBackends } from './redis.js';
import type { DisconnectReason } from './session.js';

export interface BrokerOptions {
  readonly config: Readonly<BrokerConfig>;
  readonly scope: ArnScope;
  readonly tls: TlsServerMaterial;
  readonly identity: IdentityResolver;
  readonly rules?: RuleSink;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Broker id (unique per node when several share Redis). */
  readonly id?: string;
  /**
   * Start with device admission closed (admission.ts): devices get CONNACK 3 until openAdmission();
   * `service` identities are admitted throughout. Without it devices are admitted from the start.
   */
  readonly admission?: AdmissionOptions;
}

export interface RunningBroker {
  /** mqtts://host:port of the mutual-TLS listener. */
  readonly mqttsUrl: string;
  readonly port: number;
  /** mqtt://host:port of the dev plaintext listener, when enabled. */
  readonly plaintextUrl: string | undefined;
  readonly aedes: Aedes;
  /** Loads new TLS material (a new CRL or CA list) for new handshakes. */
  reloadTls(material: TlsServerMaterial): void;
  /** Closes the sessions of certificates the identity resolver no longer accepts; returns how many. */
  enforceRevocations(): Promise<number>;
  /** Publishes a message from the endpoint itself (no client), through the rules like AWS does. */
  publish(topic: string, payload: string | Buffer, qos?: 0 | 1): Promise<void>;
  /** Whether devices are admitted (always, unless started with `admission`). */
  readonly admissionOpen: boolean;
  /** Admits devices from now on and logs "devices admitted" with how long they waited (once). */
  openAdmission(why: string): void;
  close(): Promise<void>;
}

const TLS_SESSION_TIMEOUT_S = 300;

export async function startBroker(options: BrokerOptions): Promise<RunningBroker> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const redis = config.redis.enabled ? await redisBackends(config.redis.url, logger) : undefined;
  const live: { aedes?: Aedes } = {};
  const admission = new DeviceAdmission(options.admission, logger);
  const hooks = new EndpointHooks({
    admission,
    config,
    scope: options.scope,
    identity: options.identity,
    rules: options.rules,
    clock,
    logger,
    liveClient: (clientId) => (live.aedes ? clientsOf(live.aedes)[clientId] : undefined),
  });
  const aedesOptions: AedesOptions = {
    ...(options.id ? { id: options.id } : {}),
    ...(redis ? { mq: redis.mq, persistence: redis.persistence } : {}),
    connectTimeout: config.limits.connectTimeoutMs,
    maxClientsIdLength: config.limits.maxClientIdBytes,
    preConnect: hooks.preConnect,
    authenticate: hooks.authenticate,
    authorizePublish: hooks.authorizePublish,
    authorizeSubscribe: hooks.authorizeSubscribe,
    authorizeForward: hooks.authorizeForward,
    published: hooks.published,
  };
  const broker = await Aedes.createBroker(aedesOptions);
  live.aedes = broker;
  let closing = false;

  const publish = (topic: string, payload: string | Buffer, qos: 0 | 1 = 1) =>
    new Promise<void>((resolve, reject) => {
      broker.publish(
        { cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain: false, dup: false },
        (err?: Error) => (err ? reject(err) : resolve()),
      );
    });

  broker.on('clientReady', (client: Client) => {
    const session = hooks.sessions.get(client);
    if (session === undefined) return;
    session.announced = true;
    logger.info(
      { clientId: client.id, certificateId: session.identity.certificateId, listener: session.listener },
      'connected',
    );
    const event = connectedEvent(client.id, session, clock.now().getTime());
    publish(event.topic, event.payload).catch((err: unknown) =>
      logger.error({ err }, 'presence event failed'),
    );
  });
  broker.on('unsubscribe', (filters: string[], client: Client) => {
    const session = hooks.sessions.get(client);
    for (const filter of filters) {
      session?.subscriptions.delete(filter);
      const plain = hooks.unsubscribeShared(client, filter);
      const held = plain === undefined ? undefined : (client as AedesClientInternals).subscriptions?.[plain];
      if (plain !== undefined && held !== undefined) {
        delete (client as AedesClientInternals).subscriptions?.[plain];
        broker.unsubscribe(plain, held.func, () => undefined);
      }
    }
  });
  broker.on('keepaliveTimeout', (client: Client) => {
    const session = hooks.sessions.get(client);
    if (session) session.disconnectReason ??= 'MQTT_KEEP_ALIVE_TIMEOUT';
  });
  broker.on('clientError', (client: Client, err: Error) => {
    const session = hooks.sessions.get(client);
    if (session === undefined) return;
    const code = 'code' in err ? String(err.code) : '';
    session.disconnectReason ??= ['ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code)
      ? 'CONNECTION_LOST'
      : 'CLIENT_ERROR';
    logger.info(
      { clientId: client.id, reason: session.disconnectReason, error: err.message },
      'client error',
    );
  });
  broker.on('clientDisconnect', (client: Client & { _disconnected?: boolean }) => {
    hooks.shared.removeClient(client);
    const session = hooks.sessions.get(client);
    if (session === undefined || !session.announced) return;
    const reason: DisconnectReason =
      session.disconnectReason ??
      (client._disconnected === true
        ? 'CLIENT_INITIATED_DISCONNECT'
        : closing
          ? 'SERVER_INITIATED_DISCONNECT'
          : 'CONNECTION_LOST');
    logger.info({ clientId: client.id, reason }, 'disconnected');
    const event = disconnectedEvent(client.id, session, reason, clock.now().getTime());
    if (!closing) {
      publish(event.topic, event.payload).catch((err: unknown) =>
        logger.error({ err }, 'presence event failed'),
      );
    }
  });

  const guardLimit = maxRemainingLength(config.limits);
  const attach = (socket: net.Socket) => {
    socket.setNoDelay(true);
    const client = broker.handle(socket) as Client & { _parser?: InternalParser };
    const parser = client._parser;
    if (
      parser === undefined ||
      typeof parser.parse !== 'function' ||
      typeof parser.prependListener !== 'function'
    ) {
      throw new Error('aedes client parser not found: the packet-size guard cannot be installed');
    }
    // AWS IoT Core has no QoS 2: SUBSCRIBE requests for it are granted QoS 1 (MQTT 3.1.1 section 3.9.3
    // lets the server grant less). Rewritten before aedes sees the packet, so the SUBACK says 1.
    parser.prependListener('packet', (packet: { cmd: string; subscriptions?: { qos: number }[] }) => {
      if (packet.cmd !== 'subscribe') return;
      for (const sub of packet.subscriptions ?? []) if (sub.qos > 1) sub.qos = 1;
    });
    const guard = new MqttPacketGuard(guardLimit);
    const parse = parser.parse.bind(parser);
    parser.parse = (buf: Buffer) => {
      const violation = guard.feed(buf);
      if (violation === undefined) return parse(buf);
      const session = hooks.sessions.get(client);
      if (session) session.disconnectReason ??= 'CLIENT_ERROR';
      logger.warn(
        { clientId: client.id ?? undefined, ip: socket.remoteAddress },
        `disconnecting: ${violation}`,
      );
      socket.destroy();
      return undefined;
    };
  };

  const tlsServer = tls.createServer({
    key: options.tls.key,
    cert: options.tls.cert,
    ca: options.tls.ca,
    ...(options.tls.crl ? { crl: options.tls.crl } : {}),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    sessionTimeout: TLS_SESSION_TIMEOUT_S,
    // Devices that connect on 443 send ALPN x-amzn-mqtt-ca (AWS IoT); accept it, and no ALPN at all.
    ALPNProtocols: ['x-amzn-mqtt-ca', 'mqtt'],
  });
  tlsServer.on('secureConnection', attach);
  tlsServer.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
    logger.warn({ ip: socket.remoteAddress, reason: err.message }, 'TLS handshake refused');
  });
  await listenOn(tlsServer, {
    service: 'the MQTT endpoint (mutual TLS)',
    host: config.host,
    port: config.port,
    configKey: 'broker.port',
  });
  const port = (tlsServer.address() as AddressInfo).port;

  let plaintext: net.Server | undefined;
  let plaintextUrl: string | undefined;
  if (config.devPlaintext.enabled) {
    plaintext = net.createServer(attach);
    await listenOn(plaintext, {
      service: 'the plaintext MQTT listener (dev)',
      host: config.devPlaintext.host,
      port: config.devPlaintext.port,
      configKey: 'broker.devPlaintext.port',
    });
    const address = plaintext.address() as AddressInfo;
    plaintextUrl = `mqtt://${hostForUrl(config.devPlaintext.host)}:${address.port}`;
    logger.warn(
      { url: plaintextUrl },
      'DEV ONLY: plaintext MQTT listener without authentication is enabled; never expose it',
    );
  }

  const mqttsUrl = `mqtts://${hostForUrl(config.host)}:${port}`;
  logger.info({ url: mqttsUrl }, 'mutual-TLS MQTT listener ready');

  return {
    mqttsUrl,
    port,
    plaintextUrl,
    aedes: broker,
    reloadTls(material) {
      tlsServer.setSecureContext({
        key: material.key,
        cert: material.cert,
        ca: material.ca,
        ...(material.crl ? { crl: material.crl } : {}),
        minVersion: 'TLSv1.2',
      });
    },
    async enforceRevocations() {
      const resolver = options.identity;
      if (resolver.refusedSince === undefined) return 0;
      const byCertificate = new Map<string, Client[]>();
      for (const client of Object.values(clientsOf(broker))) {
        const id = hooks.sessions.get(client)?.identity.certificateId;
        if (id !== undefined) byCertificate.set(id, [...(byCertificate.get(id) ?? []), client]);
      }
      const refused = await resolver.refusedSince(new Set(byCertificate.keys()));
      let closed = 0;
      for (const id of refused) {
        for (const client of byCertificate.get(id) ?? []) {
          hooks.kick(client, 'AUTH_ERROR', `certificate ${id} is no longer active`);
          closed++;
        }
      }
      return closed;
    },
    publish,
    get admissionOpen() {
      return admission.open;
    },
    openAdmission(why) {
      admission.openNow(why);
    },
    async close() {
      closing = true;
      const closed = [once(tlsServer, 'close')];
      tlsServer.close();
      if (plaintext) {
        closed.push(once(plaintext, 'close'));
        plaintext.close();
      }
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await Promise.all(closed);
      await redis?.close();
    },
  };
}

/** The mqtt-packet parser inside an aedes client (not in aedes' typings). */
interface InternalParser {
  parse(buf: Buffer): unknown;
  prependListener(
    event: 'packet',
    listener: (packet: { cmd: string; subscriptions?: { qos: number }[] }) => void,
  ): unknown;
}

/** aedes keeps connected clients by id on `clients`; its typings do not declare it. */
function clientsOf(broker: Aedes): Record<string, Client> {
  return (broker as unknown as { clients: Record<string, Client> }).clients;
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
