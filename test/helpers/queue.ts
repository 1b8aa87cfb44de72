/**
 * A running queue server for tests: a fresh CA and server certificate in a temp data dir, the HTTPS
 * listener on port 0, and an official SQS client that trusts the camlink CA.
 */
import type { TestContext } from 'node:test';
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { SQSClient } from '@aws-sdk/client-sqs';
import { InMemoryCredentialStore, type CredentialRecord } from '../../src/auth/credentials.js';
import { loadConfig } from '../../src/config/load.js';
import { initCa } from '../../src/pki/ca.js';
import { pkiContext } from '../../src/pki/context.js';
import { issueServerCert } from '../../src/pki/server-cert.js';
import {
  startQueueServer,
  type QueueServerOptions,
  type RunningQueueServer,
} from '../../src/queue/server.js';
import type { Logger } from '../../src/log/logger.js';
import type { Clock } from '../../src/util/clock.js';
import { tempDir } from './tmp.js';

/** AWS's documented example key pair (never a real credential). */
export const EXAMPLE_KEYS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

export interface TestQueueServer {
  server: RunningQueueServer;
  dataDir: string;
  ca: Buffer;
  client: (keys?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => SQSClient;
}

/** Creates the PKI a queue server needs in `dataDir`; returns the CA certificate. */
export async function queuePki(dataDir: string): Promise<Buffer> {
  const config = loadConfig({ env: {}, flags: { dataDir } });
  const pki = pkiContext(dataDir, config.pki);
  await initCa(pki, { force: false });
  await issueServerCert(pki, dataDir, { name: 'endpoint', sans: ['localhost', '127.0.0.1'] });
  return readFile(pki.store.caCertPath);
}

export function sqsClient(
  url: string,
  ca: Buffer,
  keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = EXAMPLE_KEYS,
): SQSClient {
  return new SQSClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: keys,
    maxAttempts: 1,
    requestHandler: { httpsAgent: new Agent({ ca, keepAlive: true }) },
  });
}

export async function startTestQueue(
  t: TestContext,
  options: {
    clock?: Clock;
    maxQueues?: number;
    maxRequestBytes?: number;
    /** More credentials besides EXAMPLE_KEYS (e.g. an assumed role's session). */
    credentials?: readonly CredentialRecord[];
    authorizeSession?: QueueServerOptions['authorizeSession'];
    logger?: Logger;
  } = {},
): Promise<TestQueueServer> {
  const dataDir = await tempDir(t);
  const ca = await queuePki(dataDir);
  const config = loadConfig({
    env: {},
    flags: {
      dataDir,
      queue: {
        port: 0,
        limits: {
          ...(options.maxQueues ? { maxQueues: options.maxQueues } : {}),
          ...(options.maxRequestBytes ? { maxRequestBytes: options.maxRequestBytes } : {}),
        },
      },
    },
  });
  const server = await startQueueServer({
    config: config.queue,
    dataDir,
    region: config.iot.region,
    accountId: config.iot.accountId,
    credentials: new InMemoryCredentialStore([EXAMPLE_KEYS, ...(options.credentials ?? [])]),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.authorizeSession ? { authorizeSession: options.authorizeSession } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const clients: SQSClient[] = [];
  t.after(async () => {
    for (const c of clients) c.destroy();
    await server.close();
  });
  return {
    server,
    dataDir,
    ca,
    client(keys) {
      const c = sqsClient(server.url, ca, keys);
      clients.push(c);
      return c;
    },
  };
}
