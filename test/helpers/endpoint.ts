/**
 * A running embedded endpoint for tests: a fresh CA and server certificate in a temp data dir, device
 * identities on demand, the broker on an ephemeral port, and the endpoint's log lines captured.
 */
import type { TestContext } from 'node:test';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { loadConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { createLogger } from '../../src/log/logger.js';
import { initCa } from '../../src/pki/ca.js';
import { createDevice } from '../../src/pki/device.js';
import { issueServerCert } from '../../src/pki/server-cert.js';
import { loadTlsServerMaterial } from '../../src/pki/tls-material.js';
import { pkiContext, type PkiContext } from '../../src/pki/context.js';
import { PkiIdentityResolver } from '../../src/broker/pki-identity.js';
import { startBroker, type RunningBroker } from '../../src/broker/broker.js';
import type { RuleSink } from '../../src/broker/hooks.js';
import type { IdentityResolver, IdentityVerdict, PeerCertificate } from '../../src/broker/identity.js';
import { parsePolicyDocument, type PolicyDocument } from '../../src/iot/policy/document.js';
import { tempDir } from './tmp.js';

export interface DeviceFiles {
  id: string;
  cert: Buffer;
  key: Buffer;
}

/** Real time plus an offset the test moves forward (e.g. past AWS's 1 CONNECT/s per client id). */
export class SkewClock {
  private offset = 0;
  now(): Date {
    return new Date(Date.now() + this.offset);
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

export interface TestEndpoint {
  clock: SkewClock;
  broker: RunningBroker;
  pki: PkiContext;
  dataDir: string;
  ca: Buffer;
  caPath: string;
  logs: Record<string, unknown>[];
  device(id: string): Promise<DeviceFiles>;
  devicePaths(id: string): { cert: string; key: string };
  connect(device: DeviceFiles, options?: IClientOptions): Promise<MqttClient>;
}

/** Grants extra policies to chosen thing names (e.g. an operator watching presence events). */
export class ExtraPolicies implements IdentityResolver {
  constructor(
    private readonly inner: PkiIdentityResolver,
    private readonly extra: Record<string, PolicyDocument[]>,
  ) {}
  async resolveCertificate(peer: PeerCertificate): Promise<IdentityVerdict> {
    const verdict = await this.inner.resolveCertificate(peer);
    if (!verdict.ok) return verdict;
    const more = this.extra[verdict.identity.thingName];
    return more ? { ok: true, identity: { ...verdict.identity, policies: more } } : verdict;
  }
  resolveUnauthenticated(clientId: string): Promise<IdentityVerdict> {
    return this.inner.resolveUnauthenticated(clientId);
  }
  refusedSince(ids: ReadonlySet<string>): Promise<Set<string>> {
    return this.inner.refusedSince(ids);
  }
}

export const allowAllPolicy = parsePolicyDocument(
  'allow-all',
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] }),
);

export async function startTestEndpoint(
  t: TestContext,
  options: {
    config?: ConfigInput;
    rules?: RuleSink;
    operators?: string[];
    /** Start with device admission closed; these thing names are admitted throughout. */
    admitWhileClosed?: string[];
  } = {},
): Promise<TestEndpoint> {
  const dataDir = await tempDir(t);
  const config = loadConfig({
    env: {},
    flags: {
      dataDir,
      ...options.config,
      broker: {
        ...options.config?.broker,
        port: 0,
        devPlaintext: { ...options.config?.broker?.devPlaintext, port: 0 },
      },
    },
  });
  const pki = pkiContext(dataDir, config.pki);
  await initCa(pki, { force: false });
  await issueServerCert(pki, dataDir, { name: 'endpoint', sans: ['localhost', '127.0.0.1'] });
  const logs: Record<string, unknown>[] = [];
  const clock = new SkewClock();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n'))
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const scope = { partition: config.iot.partition, region: config.iot.region, account: config.iot.accountId };
  const resolver = new PkiIdentityResolver(pki.store, scope);
  const identity = options.operators
    ? new ExtraPolicies(resolver, Object.fromEntries(options.operators.map((id) => [id, [allowAllPolicy]])))
    : resolver;
  const broker = await startBroker({
    config: config.broker,
    scope,
    tls: await loadTlsServerMaterial(dataDir, pki.store),
    identity,
    ...(options.rules ? { rules: options.rules } : {}),
    ...(options.admitWhileClosed
      ? { admission: { service: (who) => options.admitWhileClosed?.includes(who.thingName) === true } }
      : {}),
    logger: createLogger({ level: 'debug' }, sink),
    clock,
  });
  const clients: MqttClient[] = [];
  t.after(async () => {
    for (const c of clients) c.end(true);
    await broker.close();
  });
  const ca = await readFile(pki.store.caCertPath);
  const devicesDir = join(dataDir, 'devices');
  return {
    clock,
    broker,
    pki,
    dataDir,
    ca,
    caPath: pki.store.caCertPath,
    logs,
    devicePaths: (id) => ({
      cert: join(devicesDir, `${id}.cert.pem`),
      key: join(devicesDir, `${id}.key.pem`),
    }),
    async device(id) {
      const made = await createDevice(pki, id, { outDir: devicesDir, force: false });
      return { id, cert: await readFile(made.certPath), key: await readFile(made.keyPath) };
    },
    async connect(device, extra = {}) {
      const client = await connectMqtt(broker.mqttsUrl, {
        ca,
        cert: device.cert,
        key: device.key,
        clientId: device.id,
        servername: 'localhost',
        ...extra,
      });
      clients.push(client);
      return client;
    },
  };
}

/** Connects with MQTT.js (3.1.1, no reconnect); rejects when the connection closes before CONNACK. */
export function connectMqtt(url: string, options: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      rejectUnauthorized: true,
      ...options,
    });
    const fail = (err?: Error) => {
      client.end(true);
      reject(err ?? new Error('connection closed before CONNACK'));
    };
    client.once('connect', () => {
      client.removeListener('close', fail);
      client.removeListener('error', fail);
      resolve(client);
    });
    client.once('close', fail);
    client.once('error', fail);
  });
}

/** Resolves with the next message on `topic` (exact match). */
export function nextMessage(client: MqttClient, topic: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const onMessage = (t: string, payload: Buffer) => {
      if (t !== topic) return;
      client.removeListener('message', onMessage);
      resolve(payload);
    };
    client.on('message', onMessage);
  });
}

export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (!client.connected) return resolve();
    client.once('close', () => resolve());
  });
}
