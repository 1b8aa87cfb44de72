/**
 * The people around a running platform, through the backend API as they would use it: the operator
 * (provisions cameras from CSRs, creates users) and users with their own BackendClient.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import type { TestContext } from 'node:test';
import { BackendClient } from '../../src/app/backend-client.js';
import { startSimulatedCamera, type SimulatedCamera } from '../../src/device/camera.js';
import { createLogger } from '../../src/log/logger.js';
import { createDeviceKeyAndCsr } from '../../src/pki/csr.js';
import type { Endpoints } from '../../src/contracts/endpoints.js';

export interface ProvisionedCamera {
  readonly deviceId: string;
  readonly keyPem: string;
  readonly key: KeyObject;
  readonly certificatePem: string;
}

export interface AppWorld {
  readonly ca: Buffer;
  readonly httpsAgent: https.Agent;
  readonly operator: BackendClient;
  provision(deviceId: string): Promise<ProvisionedCamera>;
  /** A new user and a client holding their token. */
  user(name: string): Promise<{ id: string; client: BackendClient }>;
  /**
   * A provisioned camera running as the simulator (MQTT to the platform, PTP/IP on a free port, its
   * files under `dir`, pictures in `picturesDir` if given), connected, closed with the test.
   */
  startCamera(camera: ProvisionedCamera, dir: string, picturesDir?: string): Promise<SimulatedCamera>;
}

export async function appWorld(
  t: TestContext,
  platform: { readonly endpoints: Endpoints; readonly operatorTokenFile: string },
): Promise<AppWorld> {
  const e = platform.endpoints;
  const api = e.api;
  if (api === undefined) throw new Error('the platform runs no backend API (cloudAccount.enabled?)');
  const ca = await readFile(e.caPath);
  const httpsAgent = new https.Agent({ ca, keepAlive: true });
  t.after(() => httpsAgent.destroy());
  const operator = new BackendClient({
    baseUrl: api,
    token: (await readFile(platform.operatorTokenFile, 'utf8')).trim(),
    ca,
  });
  t.after(() => operator.close());
  return {
    ca,
    httpsAgent,
    operator,
    async provision(deviceId) {
      const keys = await createDeviceKeyAndCsr(deviceId);
      const { certificatePem } = await operator.provisionDevice(deviceId, keys.csrPem);
      return { deviceId, keyPem: keys.keyPem, key: createPrivateKey(keys.keyPem), certificatePem };
    },
    async startCamera(camera, dir, picturesDir) {
      const simulated = await startSimulatedCamera({
        deviceId: camera.deviceId,
        certificatePem: camera.certificatePem,
        keyPem: camera.keyPem,
        mqttUrl: e.mqtt,
        ca,
        dir,
        ...(picturesDir === undefined ? {} : { picturesDir }),
        httpsAgent,
        ptpPort: 0,
        logger: createLogger({ level: 'silent' }),
      });
      t.after(() => simulated.close());
      await simulated.agent.waitConnected();
      return simulated;
    },
    async user(name) {
      const { user, token } = await operator.createUser(name);
      const client = new BackendClient({ baseUrl: api, token: token.token, ca });
      t.after(() => client.close());
      return { id: user.id, client };
    },
  };
}
