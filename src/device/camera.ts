/**
 * A whole simulated camera: its picture storage, its cloud agent (MQTT session, uploader, outbox) and
 * its PTP/IP responder, wired so that UploadObject runs the agent's uploadAndAnnounce. What `camlink
 * demo` runs, and what `camlink camera` will run.
 */
import { createPrivateKey } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type https from 'node:https';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { startPtpIpResponder, type RunningResponder } from '../ptp/responder.js';
import { CameraAgent } from './agent.js';
import { CameraStorage } from './camera-storage.js';
import { ptpCamera } from './ptp-camera.js';

export interface SimulatedCameraOptions {
  readonly deviceId: string;
  readonly certificatePem: string;
  readonly keyPem: string;
  readonly mqttUrl: string;
  readonly ca?: Buffer;
  /** Holds pictures/ (unless picturesDir is given) and outbox/. */
  readonly dir: string;
  /** Where the camera's JPEGs are (and captures go); default DIR/pictures. */
  readonly picturesDir?: string;
  readonly httpsAgent?: https.Agent;
  readonly ptpHost?: string;
  /** 0 picks a free port; 15740 is PTP/IP's own. */
  readonly ptpPort?: number;
  readonly logger: Logger;
}

export interface SimulatedCamera {
  readonly agent: CameraAgent;
  readonly storage: CameraStorage;
  readonly responder: RunningResponder;
  close(): Promise<void>;
}

export async function startSimulatedCamera(options: SimulatedCameraOptions): Promise<SimulatedCamera> {
  const pictures = options.picturesDir ?? join(options.dir, 'pictures');
  await mkdir(pictures, { recursive: true });
  const storage = await CameraStorage.open(pictures, { now: () => new Date() });
  const agent = await CameraAgent.start({
    deviceId: options.deviceId,
    mqttUrl: options.mqttUrl,
    cert: options.certificatePem,
    key: options.keyPem,
    ...(options.ca ? { ca: options.ca } : {}),
    outboxDir: join(options.dir, 'outbox'),
    ...(options.httpsAgent ? { httpsAgent: options.httpsAgent } : {}),
    clock: { now: () => new Date() },
    logger: options.logger,
  });
  try {
    const responder = await startPtpIpResponder({
      host: options.ptpHost ?? '127.0.0.1',
      port: options.ptpPort ?? 15740,
      friendlyName: `camlink ${options.deviceId}`,
      logger: options.logger,
      handler: ptpCamera({
        storage,
        identity: {
          deviceId: options.deviceId,
          certificatePem: options.certificatePem,
          privateKey: createPrivateKey(options.keyPem),
        },
        upload: async (object, target, onProgress) => {
          if (object.path === undefined) throw new Error(`object ${object.handle} is not a file`);
          await agent.uploadAndAnnounce(object.path, target, {
            contentType: 'image/jpeg',
            capturedAt: object.capturedAt,
            onProgress,
          });
        },
      }),
    });
    return {
      agent,
      storage,
      responder,
      async close() {
        await responder.close();
        await agent.stop();
      },
    };
  } catch (err) {
    await agent.stop();
    throw err;
  }
}
