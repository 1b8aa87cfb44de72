/**
 * `camlink demo`: the whole direct-upload flow on a fresh embedded platform, every hop real (HTTPS,
 * mutual-TLS MQTT, PTP/IP over TCP, the AWS SDK inside the backend). The operator provisions a camera
 * from its CSR and creates a user; the app pairs with the camera by having it sign the backend's
 * challenge over PTP/IP, gets a pre-signed URL and hands it over; the camera captures, PUTs, announces;
 * the backend reconciles and notifies the app, which downloads the picture. Succeeds only if the object
 * is stored (the download matches the capture), notified (SSE) and recorded (status done).
 */
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { join } from 'node:path';
import type { CamlinkConfig } from '../config/schema.js';
import { CamlinkError } from '../errors/camlink-error.js';
import type { Logger } from '../log/logger.js';
import { startPlatform } from '../platform/platform.js';
import { createDeviceKeyAndCsr } from '../pki/csr.js';
import { startSimulatedCamera } from '../device/camera.js';
import { storageAgent } from '../device/trust.js';
import { BackendClient } from './backend-client.js';
import { CameraLink } from './camera-link.js';
import { uploadThroughCamera } from './upload-flow.js';

export interface DemoResult {
  readonly uploadId: string;
  readonly objectUrl: string;
  readonly size: number;
}

export const DEMO_DEVICE_ID = 'cam-demo';

/** Runs the flow on `config` (ports should be 0); `step` prints progress lines. */
export async function runDemo(
  config: Readonly<CamlinkConfig>,
  logger: Logger,
  step: (line: string) => void,
  timeoutMs = 60_000,
): Promise<DemoResult> {
  const closers: (() => unknown)[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new CamlinkError('UPSTREAM_FAILED', `the demo did not finish within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([flow(config, logger, step, closers, timeoutMs), timeout]);
  } finally {
    clearTimeout(timer);
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
  }
}

async function flow(
  config: Readonly<CamlinkConfig>,
  logger: Logger,
  step: (line: string) => void,
  closers: (() => unknown)[],
  timeoutMs: number,
): Promise<DemoResult> {
  const platform = await startPlatform(config, logger);
  closers.push(() => platform.close());
  const e = platform.endpoints;
  step(`1. platform up in ${config.dataDir}: MQTT ${e.mqtt}, S3 ${e.s3}, SQS ${e.sqs}, API ${e.api}`);
  const ca = await readFile(e.caPath);
  // Storage (the PUT, the GET of the object): the default store plus the platform CA.
  const httpsAgent = storageAgent(ca);
  closers.push(() => httpsAgent.destroy());

  const operator = new BackendClient({
    baseUrl: e.api,
    token: (await readFile(platform.operatorTokenFile, 'utf8')).trim(),
    ca,
  });
  closers.push(() => operator.close());
  const keys = await createDeviceKeyAndCsr(DEMO_DEVICE_ID);
  const provisioned = await operator.provisionDevice(DEMO_DEVICE_ID, keys.csrPem);
  step(`2. operator provisioned ${DEMO_DEVICE_ID} from its CSR (certificate ${provisioned.certificateArn})`);
  const { user, token } = await operator.createUser('Demo User');
  step(`3. operator created user ${user.id}`);

  const simulated = await startSimulatedCamera({
    deviceId: DEMO_DEVICE_ID,
    certificatePem: provisioned.certificatePem,
    keyPem: keys.keyPem,
    mqttUrl: e.mqtt,
    ca,
    dir: join(config.dataDir, 'camera'),
    httpsAgent,
    ptpPort: 0,
    logger,
  });
  closers.push(() => simulated.close());
  const { agent, responder } = simulated;
  await agent.waitConnected();
  step(`4. camera online: MQTT (mutual TLS) as ${DEMO_DEVICE_ID}, PTP/IP on 127.0.0.1:${responder.port}`);

  const app = new BackendClient({ baseUrl: e.api, token: token.token, ca });
  closers.push(() => app.close());
  const camera = await CameraLink.connect('127.0.0.1', responder.port, 'camlink demo app');
  closers.push(() => camera.close());
  await camera.pair(app);
  step(`5. app paired with ${camera.deviceId} over PTP/IP (the camera signed the backend's challenge)`);

  const handle = await camera.capture();
  const picture = await camera.getObject(handle);
  step(`6. camera captured object ${handle} (${picture.length} bytes)`);
  const { target, event, upload } = await uploadThroughCamera(app, camera, {
    handle,
    timeoutMs,
    onStep: (line) => step(`   ${line}`),
  });
  step(`7. camera PUT the picture over HTTPS to ${target.key} and announced it on MQTT`);
  step(`8. backend reconciled the upload (queue -> HEAD -> record) and notified the app (event ${event.id})`);
  if (upload.status !== 'done' || upload.get === undefined) {
    throw new CamlinkError('INTERNAL', `upload ${target.uploadId} is ${upload.status}, not done`);
  }
  const download = await fetchBytes(upload.get.url, httpsAgent);
  if (!download.equals(picture))
    throw new CamlinkError('INTERNAL', 'the stored object differs from the capture');
  step(`9. app downloaded the picture: ${download.length} bytes, identical to the capture`);
  return { uploadId: target.uploadId, objectUrl: upload.url, size: download.length };
}

function fetchBytes(url: string, agent: https.Agent): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(chunks))
            : reject(new CamlinkError('UPSTREAM_FAILED', `GET of the picture answered ${res.statusCode}`)),
        );
      })
      .on('error', reject);
  });
}
