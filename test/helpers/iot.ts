/** A running IoT control plane (registry + REST API over HTTPS) on a fresh PKI, for tests. */
import type { TestContext } from 'node:test';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IoTClient } from '@aws-sdk/client-iot';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { initCa } from '../../src/pki/ca.js';
import { issueServerCert, serverCertPaths } from '../../src/pki/server-cert.js';
import { pkiContext, type PkiContext } from '../../src/pki/context.js';
import { signDeviceCsr } from '../../src/pki/device.js';
import { IotRegistry } from '../../src/iot/registry/registry.js';
import { startIotApi, type RunningIotApi } from '../../src/iot/api/server.js';
import { InMemoryCredentialStore } from '../../src/auth/credentials.js';
import { sdkOptions, TEST_CREDENTIALS } from './aws.js';
import { tempDir } from './tmp.js';

export interface TestControlPlane {
  dataDir: string;
  pki: PkiContext;
  registry: IotRegistry;
  api: RunningIotApi;
  ca: Buffer;
  iot: IoTClient;
}

export async function startTestControlPlane(t: TestContext): Promise<TestControlPlane> {
  const dataDir = await tempDir(t);
  const config = loadConfig({ env: {}, flags: { dataDir } });
  const pki = pkiContext(dataDir, config.pki);
  await initCa(pki, { force: false });
  await issueServerCert(pki, dataDir, { name: 'endpoint', sans: ['localhost', '127.0.0.1'] });
  const { certPath, keyPath } = serverCertPaths(dataDir, 'endpoint');
  const registry = IotRegistry.open(join(dataDir, 'iot.db'), {
    partition: 'aws',
    region: 'us-east-1',
    account: '000000000000',
  });
  const api = await startIotApi({
    host: '127.0.0.1',
    port: 0,
    region: 'us-east-1',
    tls: { key: await readFile(keyPath), cert: await readFile(certPath) },
    credentials: new InMemoryCredentialStore([TEST_CREDENTIALS]),
    clock: { now: () => new Date() },
    logger: createLogger({ level: 'silent' }),
    registry,
    signCsr: async (csr) => (await signDeviceCsr(pki, csr)).pem,
    endpoints: { 'iot:Data-ATS': 'localhost:8883', 'iot:CredentialProvider': 'localhost:8443' },
  });
  const ca = await readFile(pki.store.caCertPath);
  const iot = new IoTClient(sdkOptions(api.url, ca));
  t.after(async () => {
    iot.destroy();
    await api.close();
    registry.close();
  });
  return { dataDir, pki, registry, api, ca, iot };
}
