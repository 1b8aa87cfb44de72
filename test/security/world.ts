/**
 * One embedded platform per security surface file (started in a `before` hook, closed in `after`),
 * with every log line it writes captured at debug level, plus the people around it (app-world).
 * Rows share it: each row creates its own devices and users, so the order of rows does not matter.
 */
import { after, before, type TestContext } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { CamlinkConfig, ConfigInput } from '../../src/config/schema.js';
import { createLogger } from '../../src/log/logger.js';
import { startPlatform, type RunningPlatform } from '../../src/platform/platform.js';
import https from 'node:https';
import { CAMERA_ROLE_ALIAS } from '../../src/contracts/camera-role.js';
import { appWorld, type AppWorld, type ProvisionedCamera } from '../helpers/app-world.js';
import { platformConfig } from '../helpers/platform.js';
import { SkewClock } from '../helpers/endpoint.js';

export interface SecurityWorld {
  platform: RunningPlatform;
  config: CamlinkConfig;
  world: AppWorld;
  clock: SkewClock;
  dataDir: string;
  /** Every log line the platform wrote so far, raw. */
  logText(): string;
}

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/** A camera's temporary credentials from the credentials provider (mutual TLS, its role alias). */
export function cameraSession(w: SecurityWorld, camera: ProvisionedCamera): Promise<SessionCredentials> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${w.platform.endpoints.iotCredentials ?? ''}/role-aliases/${CAMERA_ROLE_ALIAS}/credentials`,
      {
        ca: w.world.ca,
        cert: camera.certificatePem,
        key: camera.keyPem,
        headers: { 'x-amzn-iot-thingname': camera.deviceId },
        agent: false,
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`credentials provider: ${text}`));
          const { credentials } = JSON.parse(text) as { credentials: SessionCredentials };
          resolve({
            accessKeyId: credentials.accessKeyId,
            secretAccessKey: credentials.secretAccessKey,
            sessionToken: credentials.sessionToken,
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Registers the hooks and returns a getter valid inside tests. */
export function securityWorld(extra: ConfigInput = {}): () => SecurityWorld {
  let current: SecurityWorld | undefined;
  const cleanups: (() => Promise<void> | void)[] = [];
  before(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'camlink-security-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const config = platformConfig(join(dataDir, 'platform'), extra);
    const clock = new SkewClock();
    const platform = await startPlatform(config, createLogger({ level: 'debug' }, sink), { clock });
    cleanups.unshift(() => platform.close());
    const hooks: (() => Promise<void> | void)[] = [];
    const context = { after: (fn: () => Promise<void> | void) => hooks.push(fn) } as unknown as TestContext;
    cleanups.unshift(async () => {
      for (const fn of hooks.reverse()) await fn();
    });
    const world = await appWorld(context, platform);
    current = { platform, config, world, clock, dataDir, logText: () => lines.join('') };
  });
  after(async () => {
    for (const fn of cleanups) await fn();
  });
  return () => {
    if (current === undefined) throw new Error('the security world starts in a before hook');
    return current;
  };
}
