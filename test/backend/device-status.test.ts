/**
 * Device presence and certificate status through the whole platform: a camera's MQTT connect and
 * disconnect reach the backend as AWS IoT lifecycle events (under the backend policy), are stored,
 * pushed to the operator's and the owner's event streams (device.presence) and shown in the device
 * views; the certificate state and expiry come from the IoT registry.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import mqtt from 'mqtt';
import type { BackendEvent } from '../../src/app/backend-client.js';
import { appWorld } from '../helpers/app-world.js';
import { rawRequest } from '../helpers/https.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

interface DeviceBody {
  deviceId: string;
  presence: { state: string; since: string | null };
  certificate: { certificateId: string | null; status: string; expiresAt: string | null } | null;
}

test('presence follows the camera online and offline; the certificate is ACTIVE with its expiry', async (t) => {
  const dir = await tempDir(t);
  const { platform } = await startTestPlatform(t, join(dir, 'platform'));
  const world = await appWorld(t, platform);
  const e = platform.endpoints;
  const token = (await readFile(platform.operatorTokenFile, 'utf8')).trim();
  const get = async (path: string) => {
    const res = await rawRequest(world.httpsAgent, `${e.api}${path}`, {
      method: 'GET',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200, res.body.toString());
    return JSON.parse(res.body.toString()) as unknown;
  };
  const cam = await world.provision('cam-presence');
  await world.provision('cam-never');

  // The operator's event stream: presence events arrive here.
  const seen: BackendEvent[] = [];
  const waiters: { match: (e: BackendEvent) => boolean; resolve: (e: BackendEvent) => void }[] = [];
  const nextEvent = (match: (e: BackendEvent) => boolean) =>
    new Promise<BackendEvent>((resolve) => {
      const already = seen.find(match);
      if (already) resolve(already);
      else waiters.push({ match, resolve });
    });
  const stop = new AbortController();
  t.after(() => stop.abort());
  await new Promise<void>((opened) => {
    void world.operator.watch(
      (event) => {
        seen.push(event);
        for (const w of waiters.splice(0)) {
          if (w.match(event)) w.resolve(event);
          else waiters.push(w);
        }
      },
      stop.signal,
      opened,
    );
  });

  const before = (await get('/v1/devices')) as { devices: DeviceBody[] };
  const never = before.devices.find((d) => d.deviceId === 'cam-never');
  assert.deepEqual(never?.presence, { state: 'unknown', since: null });
  const expected = new X509Certificate(cam.certificatePem);
  const listed = before.devices.find((d) => d.deviceId === 'cam-presence');
  assert.equal(listed?.certificate?.status, 'ACTIVE');
  assert.equal(listed?.certificate?.certificateId?.length, 64);
  assert.equal(new Date(listed?.certificate?.expiresAt ?? 0).getTime(), new Date(expected.validTo).getTime());

  const isPresence = (state: string) => (ev: BackendEvent) =>
    ev.type === 'device.presence' && ev.data['deviceId'] === 'cam-presence' && ev.data['state'] === state;
  const client = await mqtt.connectAsync(e.mqtt, {
    clientId: cam.deviceId,
    key: cam.keyPem,
    cert: cam.certificatePem,
    ca: world.ca,
    servername: 'localhost',
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  const online = await nextEvent(isPresence('online'));
  const one = (await get('/v1/devices/cam-presence')) as { device: DeviceBody };
  assert.deepEqual(one.device.presence, { state: 'online', since: online.data['since'] });
  await client.endAsync();
  const offline = await nextEvent(isPresence('offline'));
  assert.ok(Number(offline.id) > Number(online.id));
  const after = (await get('/v1/devices')) as { devices: DeviceBody[] };
  assert.deepEqual(after.devices.find((d) => d.deviceId === 'cam-presence')?.presence, {
    state: 'offline',
    since: offline.data['since'],
  });
  // The backend's own session and other client ids are not devices: no events of them.
  assert.deepEqual(
    seen.filter((ev) => ev.type === 'device.presence').map((ev) => ev.data['deviceId']),
    ['cam-presence', 'cam-presence'],
  );
});
