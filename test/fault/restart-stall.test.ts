/**
 * A platform restart, or a drop of the backend's own MQTT connection, costs the fleet seconds, not a
 * 30 s stall per camera (issue 24, finding 6). Before: cameras reconnected before the backend's shared
 * subscription was back, their upload-URL requests went to a group with no member (nothing is queued for
 * a shared group) and each waited out its timeout.
 *
 * - Restart: `camlink up` as a real child on fixed ports, eight camera agents connected; the platform is
 *   stopped and started again on the same data dir, and each camera asks for an upload URL the moment it
 *   is connected again. Every camera gets its URL (no UPLOAD_URL_TIMEOUT), and the new process's log
 *   shows the order: the backend's subscription acknowledged, then "devices admitted", then the first
 *   device connection (devices that came earlier were answered CONNACK 3 and retried).
 * - Backend drop (what a 90 s SIGSTOP does to the backend's session): the endpoint closes the backend's
 *   connections, a camera asks at once, while nobody is subscribed; the backend reconnects and
 *   resubscribes, the camera's republished request is answered.
 * - The backend on its own thread opens admission by its ready signal too.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import type { Client } from 'aedes';
import { CameraAgent } from '../../src/device/agent.js';
import type { UploadTarget } from '../../src/device/agent.js';
import { isCamlinkError } from '../../src/errors/camlink-error.js';
import { createLogger } from '../../src/log/logger.js';
import { appWorld, type ProvisionedCamera } from '../helpers/app-world.js';
import { startPlatformProcess, writePlatformConfig } from '../helpers/platform-process.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

const CAMERAS = 8;
/** Long enough that a camera answered at all was answered by a retry, not after a stall. */
const REQUEST_TIMEOUT_MS = 20_000;

async function startAgents(
  dir: string,
  cameras: readonly ProvisionedCamera[],
  mqttUrl: string,
  ca: Buffer,
): Promise<CameraAgent[]> {
  return Promise.all(
    cameras.map((camera) =>
      CameraAgent.start({
        deviceId: camera.deviceId,
        mqttUrl,
        cert: camera.certificatePem,
        key: camera.keyPem,
        ca,
        outboxDir: join(dir, camera.deviceId, 'outbox'),
        clock: { now: () => new Date() },
        // The endpoint takes one CONNECT per second per client id; a short cap keeps the outage short.
        backoff: { baseMs: 1_000, capMs: 2_000 },
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
        logger: createLogger({ level: 'silent' }),
      }),
    ),
  );
}

type Outcome = { ok: true; target: UploadTarget } | { ok: false; code: string; message: string };

function ask(agent: CameraAgent): Promise<Outcome> {
  return agent.requestUploadUrl({ contentType: 'image/jpeg' }).then(
    (target) => ({ ok: true, target }),
    (err: unknown) => ({
      ok: false,
      code: isCamlinkError(err) ? err.code : 'INTERNAL',
      message: err instanceof Error ? err.message : String(err),
    }),
  );
}

test(
  'a platform restart: devices are admitted once the backend is subscribed, and every camera gets its upload URL',
  { timeout: 300_000 },
  async (t) => {
    const dir = await tempDir(t, 'camlink-restart-');
    const dataDir = join(dir, 'data');
    await mkdir(dataDir);
    const configFile = await writePlatformConfig(dataDir, { thumbnails: { enabled: false } });
    const first = await startPlatformProcess(t, configFile, dataDir);
    const world = await appWorld(t, {
      endpoints: first.endpoints,
      operatorTokenFile: join(dataDir, 'operator-token'),
    });
    const cameras: ProvisionedCamera[] = [];
    for (let i = 0; i < CAMERAS; i++) cameras.push(await world.provision(`cam-restart-${i}`));
    const agents = await startAgents(join(dir, 'cameras'), cameras, first.endpoints.mqtt, world.ca);
    t.after(() => Promise.all(agents.map((a) => a.stop())));
    await Promise.all(agents.map((a) => a.waitConnected()));
    const before = await Promise.all(agents.map(ask));
    assert.deepEqual(
      before.filter((o) => !o.ok),
      [],
      'every camera gets a URL before the restart',
    );

    // Each camera asks the moment it is connected again; the endpoint's "Server unavailable" is counted.
    let unavailable = 0;
    for (const agent of agents) {
      agent.session.on('retrying', ({ serverUnavailable }) => {
        if (serverUnavailable) unavailable++;
      });
    }
    const after = agents.map(
      (agent) =>
        new Promise<Outcome>((resolve) => agent.session.once('connected', () => resolve(ask(agent)))),
    );
    assert.equal(await first.stop(), 0, 'the platform stops cleanly');
    const second = await startPlatformProcess(t, configFile, dataDir);
    const up = performance.now();
    const outcomes = await Promise.all(after);
    const allAnsweredMs = Math.round(performance.now() - up);

    assert.deepEqual(
      outcomes.filter((o) => !o.ok),
      [],
      'every camera gets its upload URL after the restart: no UPLOAD_URL_TIMEOUT',
    );
    assert.equal(new Set(outcomes.map((o) => (o.ok ? o.target.uploadId : ''))).size, CAMERAS);

    // The order, from the restarted process's log (the backend runs in its main thread: one stream).
    const logs = second.logs;
    const subscribed = logs.findIndex((l) => l.msg === 'answering upload-URL requests');
    const admitted = logs.findIndex((l) => l.msg === 'devices admitted');
    const deviceConnects = logs.flatMap((l, i) =>
      l.msg === 'connected' && String(l.clientId).startsWith('cam-restart-') ? [i] : [],
    );
    assert.ok(subscribed >= 0, 'the backend logged its SUBACK ("answering upload-URL requests")');
    assert.ok(admitted > subscribed, 'devices are admitted after the backend is subscribed');
    assert.equal(
      logs[admitted]?.why,
      'the backend is subscribed',
      "admission opened on the backend's signal",
    );
    assert.ok(deviceConnects.length >= CAMERAS, 'every camera connected to the restarted platform');
    assert.ok(
      deviceConnects.every((i) => i > admitted),
      'no device connection was accepted before admission opened',
    );
    t.diagnostic(
      `admission opened ${String(logs[admitted]?.closedMs)} ms after the endpoint started, ` +
        `${String(logs[admitted]?.refused)} device CONNECTs answered "Server unavailable" meanwhile ` +
        `(${unavailable} seen by the cameras); all ${CAMERAS} URLs ${allAnsweredMs} ms after the restart was up`,
    );
  },
);

test("the backend's MQTT connection drops: it resubscribes, and a request made meanwhile is answered", async (t) => {
  const dir = await tempDir(t, 'camlink-backend-drop-');
  const logs: Record<string, unknown>[] = [];
  const { platform } = await startTestPlatform(t, join(dir, 'data'), { onLog: (l) => logs.push(l) });
  const world = await appWorld(t, platform);
  const camera = await world.provision('cam-drop-1');
  const [agent] = await startAgents(join(dir, 'cameras'), [camera], platform.endpoints.mqtt, world.ca);
  assert.ok(agent);
  t.after(() => agent.stop());
  await agent.waitConnected();
  assert.ok((await ask(agent)).ok);

  const aedes = platform.broker.aedes;
  const clients = Object.values((aedes as unknown as { clients: Record<string, Client> }).clients);
  const backend = clients.filter((c) => c.id.startsWith('camlink-backend'));
  assert.ok(backend.length > 0, "the backend's connections are there");
  const gone = Promise.all(
    backend.map(
      (client) =>
        new Promise<void>((resolve) => {
          const onDisconnect = (c: Client) => {
            if (c !== client) return;
            aedes.off('clientDisconnect', onDisconnect);
            resolve();
          };
          aedes.on('clientDisconnect', onDisconnect);
        }),
    ),
  );
  const dropped = performance.now();
  for (const client of backend) client.close();
  await gone;
  // Nobody is subscribed now: this request goes nowhere until the camera publishes it again.
  const outcome = await ask(agent);
  const answeredMs = Math.round(performance.now() - dropped);
  assert.deepEqual(outcome.ok ? 'answered' : outcome, 'answered', 'answered after the backend came back');
  const resubscribed = logs.filter((l) => l.msg === 'backend MQTT session resubscribed');
  assert.ok(resubscribed.length > 0, 'the backend resubscribed on its own');
  t.diagnostic(
    `answered ${answeredMs} ms after the drop; resubscribed ${resubscribed
      .map(
        (l) => `${String(l.clientId)} offline ${String(l.offlineMs)} ms, SUBACK in ${String(l.subackMs)} ms`,
      )
      .join('; ')}`,
  );
});

test('the backend on its own thread opens device admission with its ready signal', async (t) => {
  const dir = await tempDir(t, 'camlink-thread-admission-');
  const logs: Record<string, unknown>[] = [];
  const { platform } = await startTestPlatform(t, join(dir, 'data'), {
    extra: { backend: { thread: true } },
    onLog: (l) => logs.push(l),
  });
  assert.equal(platform.broker.admissionOpen, true);
  const admitted = logs.filter((l) => l.msg === 'devices admitted');
  assert.equal(admitted.length, 1);
  assert.equal(admitted[0]?.why, 'the backend is subscribed');
  // Its own connections came in while devices were not admitted.
  const backendConnects = logs.filter(
    (l) => l.msg === 'connected' && String(l.clientId).startsWith('camlink-backend'),
  );
  assert.ok(backendConnects.length > 0);
  assert.ok(logs.indexOf(backendConnects[0]!) < logs.indexOf(admitted[0]));
});
