/**
 * The device session against the platform's endpoint as `camlink up` runs it (backend's MQTT session
 * off: nobody answers upload-URL requests). A certificate made by `camlink device create` (JITP) is
 * dropped on its first CONNECT while the endpoint provisions it; the session's backoff retries and
 * connects, never sooner than the endpoint's one CONNECT per second; that first close is reported as
 * DEVICE_CONNECT_CLOSED naming the provisioning, and the endpoint logs it at info with its reason. A
 * request nobody answers ends in UPLOAD_URL_TIMEOUT, on the timers the test drives.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DeviceSession, type SessionEvents, type Timers } from '../../src/device/session.js';
import { UploadUrlRequester } from '../../src/device/upload-url-request.js';
import { createLogger } from '../../src/log/logger.js';
import { pkiContext } from '../../src/pki/context.js';
import { createDevice } from '../../src/pki/device.js';
import { SkewClock } from '../helpers/endpoint.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

test('JITP: the first connect is dropped, the backoff retries and connects; an unanswered request times out', async (t) => {
  const dataDir = await tempDir(t);
  const clock = new SkewClock();
  const platformLogs: Record<string, unknown>[] = [];
  const { platform, config } = await startTestPlatform(t, dataDir, {
    clock,
    extra: { backend: { mqttSession: false } },
    onLog: (line) => platformLogs.push(line),
  });
  const device = await createDevice(pkiContext(dataDir, config.pki), 'cam-jitp', {
    outDir: join(dataDir, 'devices'),
    force: false,
  });

  const waits: number[] = [];
  const reconnectTimers: Timers = {
    set: (fn, ms) => {
      waits.push(ms);
      clock.advance(ms); // the endpoint sees the wait pass
      return setImmediate(fn);
    },
    clear: (handle) => clearImmediate(handle as NodeJS.Immediate),
  };
  const logger = createLogger({ level: 'silent' });
  const session = DeviceSession.open({
    deviceId: 'cam-jitp',
    mqttUrl: platform.endpoints.mqtt,
    cert: await readFile(device.certPath),
    key: await readFile(device.keyPath),
    ca: await readFile(platform.endpoints.caPath),
    timers: reconnectTimers,
    logger,
  });
  t.after(() => session.stop());
  const retries: SessionEvents['retrying'][0][] = [];
  session.on('retrying', (info) => retries.push(info));
  const connected = await new Promise<{ attempts: number }>((resolve) => session.once('connected', resolve));
  assert.ok(connected.attempts >= 2, 'the first CONNECT was dropped (JITP)');
  const refusal = retries[0]?.refusal;
  assert.equal(refusal?.code, 'DEVICE_CONNECT_CLOSED');
  assert.match(
    refusal.message,
    /closed the connection before CONNACK: a new certificate's first connection is closed while it is provisioned \(just-in-time provisioning\)/,
  );
  assert.equal(session.lastConnectRefusal, undefined, 'forgotten once connected');
  const closed = platformLogs.find((l) => l.msg === 'connection refused' && l.clientId === 'cam-jitp');
  assert.match(String(closed?.reason), /certificate registered just in time; .* first connection is closed/);
  assert.equal(closed?.level, 30, 'the provisioning close is logged at info: it is by design');
  assert.equal(waits.length, connected.attempts - 1);
  assert.ok(
    waits.every((ms) => ms >= 1000 && ms <= 30_000),
    'each wait is at least 1 s, at most the cap',
  );

  // Nobody answers: the timeout timer is ours to fire (the republish timers are left unfired).
  let fireTimeout: (() => void) | undefined;
  const requester = new UploadUrlRequester({
    deviceId: 'cam-jitp',
    session,
    timeoutMs: 5_000,
    timers: {
      set: (fn, ms) => (ms === 5_000 ? (fireTimeout = fn) : undefined),
      clear: () => undefined,
    },
    logger,
  });
  const asked = requester.request({ contentType: 'image/jpeg' });
  const outcome = assert.rejects(asked, { code: 'UPLOAD_URL_TIMEOUT' });
  while (fireTimeout === undefined) await new Promise((resolve) => setImmediate(resolve));
  fireTimeout();
  await outcome;
});
