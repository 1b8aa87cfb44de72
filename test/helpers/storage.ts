/**
 * An embedded object store for tests: a fresh operator CA, a server certificate for localhost,
 * 127.0.0.1, *.s3.localhost and *.cos.ap-shanghai.myqcloud.com (virtual-host style; Node refuses two-label wildcards), the store over HTTPS on port 0, and S3 clients that trust the CA.
 */
import { Agent } from 'node:https';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { InMemoryCredentialStore } from '../../src/auth/credentials.js';
import { initCa } from '../../src/pki/ca.js';
import { issueServerCert, serverCertPaths } from '../../src/pki/server-cert.js';
import {
  startStorageServer,
  type StorageServer,
  type StorageServerOptions,
} from '../../src/storage/server.js';
import { testPki } from './pki.js';

/** AWS's documented example key pair (S3 API Reference), never a real credential. */
export const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
export const SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

export interface TestStore {
  server: StorageServer;
  ca: Buffer;
  agent: Agent;
  credentials: InMemoryCredentialStore;
  storeDir: string;
  client: (config?: Partial<S3ClientConfig>) => S3Client;
}

export async function startTestStore(
  t: TestContext,
  options: Partial<Omit<StorageServerOptions, 'dataDir' | 'tls' | 'credentials'>> & {
    /** Where the store keeps its files (default: under the test's PKI data dir). */
    storeDir?: string;
  } = {},
): Promise<TestStore> {
  const { storeDir: chosenDir, ...serverOptions } = options;
  const { ctx, dataDir } = await testPki(t);
  await initCa(ctx, { force: false });
  await issueServerCert(ctx, dataDir, {
    name: 'storage',
    sans: ['localhost', '127.0.0.1', '*.s3.localhost', '*.cos.ap-shanghai.myqcloud.com'],
  });
  const paths = serverCertPaths(dataDir, 'storage');
  const [key, cert, ca] = await Promise.all([
    readFile(paths.keyPath),
    readFile(paths.certPath),
    readFile(ctx.store.caCertPath),
  ]);
  const credentials = new InMemoryCredentialStore([
    { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
  ]);
  const storeDir = chosenDir ?? join(dataDir, 'storage');
  const server = await startStorageServer({
    dataDir: storeDir,
    tls: { key, cert },
    host: '127.0.0.1',
    port: 0,
    credentials,
    ...serverOptions,
  });
  t.after(() => server.close());
  // Every name (bucket.s3.localhost included) resolves to the loopback store.
  const agent = new Agent({
    ca,
    keepAlive: true,
    lookup: (_host, opts, callback) => {
      if (opts.all === true) callback(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
    },
  });
  t.after(() => agent.destroy());
  return {
    server,
    ca,
    agent,
    credentials,
    storeDir,
    client: (config = {}) =>
      new S3Client({
        endpoint: server.url,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
        requestHandler: { httpsAgent: agent },
        ...config,
      }),
  };
}
