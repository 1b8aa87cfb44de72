/**
 * Direct-upload benchmark: the product's own path end to end, in one process as `camlink up` + `camlink
 * camera` + `camlink app` run it. For each upload the app asks the backend API for a pre-signed PUT,
 * hands it to the camera over PTP/IP; the camera streams the file over HTTPS to the object store,
 * announces it on mutual-TLS MQTT (QoS 1, through its durable outbox); the topic rule queues it; the
 * backend reconciles it (HEAD, size/type/SHA-256 check) and pushes upload.completed to the user's SSE
 * stream. Timed from the hand-off (SetUploadTarget) to the camera's UploadComplete ("PUT") and to the
 * app receiving the event ("reconciled").
 *
 * Peer in the same run: the floor under the PUT — the same bytes PUT by a bare HTTPS client straight
 * to the store with a URL issued by the same API (no PTP/IP, no camera, no MQTT, no reconciliation).
 *
 * Fixed workload (BENCH_SCALE=0.2 for a smoke run): one camera, 10 uploads of 1 MiB then 5 of 10 MiB,
 * one at a time; then BENCH_CAMERAS (default 10) cameras, each with its own user, certificate, MQTT
 * session and PTP/IP link, all uploading 5 pictures of 1 MiB at once (each camera one at a time).
 * One line per figure.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BackendClient, type IssuedUpload } from '../src/app/backend-client.js';
import { CameraLink } from '../src/app/camera-link.js';
import { uploadThroughCamera } from '../src/app/upload-flow.js';
import { loadConfig } from '../src/config/load.js';
import { withEphemeralPorts } from '../src/config/ephemeral-ports.js';
import { startSimulatedCamera, type SimulatedCamera } from '../src/device/camera.js';
import { sizedJpeg } from '../src/device/sample-images.js';
import { createLogger } from '../src/log/logger.js';
import { createDeviceKeyAndCsr } from '../src/pki/csr.js';
import { startPlatform } from '../src/platform/platform.js';
import { describeBench, reportFigure } from './lib/report.js';
import { ascending, ms, percentile } from './lib/stats.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const CAMERAS = Number(process.env.BENCH_CAMERAS ?? '10');
const MIB = 1024 * 1024;
const SEQUENTIAL = [
  { size: MIB, count: Math.max(2, Math.round(10 * SCALE)) },
  { size: 10 * MIB, count: Math.max(2, Math.round(5 * SCALE)) },
];
const FLEET_UPLOADS_PER_CAMERA = Math.max(1, Math.round(5 * SCALE));

describeBench('upload', {
  workload:
    "The product's own path in one process, as `camlink up` + `camlink camera` + `camlink app` run it: the app asks " +
    'the backend API for a pre-signed PUT sized for the picture and hands it to the camera over PTP/IP; the camera ' +
    'streams the file from disk over HTTPS to the object store (SHA-256 and size signed and checked), records the ' +
    'notification in its durable outbox and publishes it (mutual-TLS MQTT, QoS 1); the topic rule queues it; the ' +
    'backend reconciles it (queue receive, HEAD, streamed SHA-256 check, record) and pushes upload.completed over ' +
    'SSE. "PUT + announce" is from the hand-off to the camera\'s UploadComplete event; "reconciled" is from the ' +
    'hand-off to the app receiving the event. Pictures are valid JPEGs padded with random bytes (incompressible). ' +
    `One camera: ${SEQUENTIAL.map((s) => `${s.count} uploads of ${s.size / MIB} MiB`).join(', then ')}, one at a ` +
    `time; then ${CAMERAS} cameras (each its own certificate, MQTT session, PTP/IP link and user) uploading ` +
    `${FLEET_UPLOADS_PER_CAMERA} pictures of 1 MiB each, all cameras at once.`,
  peers:
    "The machine's raw upload path in the same run: a bare HTTPS PUT of the same bytes by the bench itself to the " +
    'same store with a URL from the same API (no PTP/IP, no camera, no MQTT, no reconciliation).',
});

const dataDir = await mkdtemp(join(os.tmpdir(), 'camlink-bench-upload-'));
const config = withEphemeralPorts(loadConfig({ env: process.env, flags: { dataDir } }));
const logger = createLogger({ level: 'warn' });
const platform = await startPlatform(config, logger);
const { endpoints } = platform;
const ca = await readFile(endpoints.caPath);
const agent = new https.Agent({ ca, keepAlive: true, maxSockets: 64 });
const operator = new BackendClient({
  baseUrl: endpoints.api,
  token: (await readFile(platform.operatorTokenFile, 'utf8')).trim(),
  ca,
});

interface Rig {
  readonly camera: SimulatedCamera;
  readonly link: CameraLink;
  readonly app: BackendClient;
  /** Object handle per picture size. */
  readonly handles: ReadonlyMap<number, number>;
}

/** A provisioned camera with its pictures, a user paired with it over PTP/IP. */
async function rig(deviceId: string, sizes: readonly number[]): Promise<Rig> {
  const keys = await createDeviceKeyAndCsr(deviceId);
  const { certificatePem } = await operator.provisionDevice(deviceId, keys.csrPem);
  const dir = join(dataDir, 'cameras', deviceId);
  const pictures = join(dir, 'pictures');
  await mkdir(pictures, { recursive: true });
  for (const size of sizes) await writeFile(join(pictures, `S${size}.JPG`), sizedJpeg(size, randomBytes));
  const camera = await startSimulatedCamera({
    deviceId,
    certificatePem,
    keyPem: keys.keyPem,
    mqttUrl: endpoints.mqtt,
    ca,
    dir,
    picturesDir: pictures,
    httpsAgent: agent,
    ptpPort: 0,
    logger,
  });
  await camera.agent.waitConnected();
  const { token } = await operator.createUser(`user of ${deviceId}`);
  const app = new BackendClient({ baseUrl: endpoints.api, token: token.token, ca });
  const link = await CameraLink.connect('127.0.0.1', camera.responder.port, 'bench app');
  await link.pair(app);
  const handles = new Map<number, number>();
  for (const o of camera.storage.files()) handles.set(o.size, o.handle);
  return { camera, link, app, handles };
}

async function uploadOnce(r: Rig, size: number): Promise<{ putMs: number; reconciledMs: number }> {
  const handle = r.handles.get(size);
  if (handle === undefined) throw new Error(`no ${size}-byte picture`);
  return uploadThroughCamera(r.app, r.link, { handle, timeoutMs: 120_000 });
}

function barePut(target: IssuedUpload, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      target.put.url,
      { method: 'PUT', agent, headers: { ...target.put.headers, 'content-length': String(body.length) } },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`PUT answered ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const mbps = (bytes: number, millis: number) => `${((bytes / MIB) * (1000 / millis)).toFixed(1)} MiB/s`;

try {
  const solo = await rig(
    'cam-bench-0',
    SEQUENTIAL.map((s) => s.size),
  );
  for (const { size, count } of SEQUENTIAL) {
    const put: number[] = [];
    const reconciled: number[] = [];
    for (let i = 0; i < count; i++) {
      const r = await uploadOnce(solo, size);
      put.push(r.putMs);
      reconciled.push(r.reconciledMs);
    }
    const body = await readFile(join(dataDir, 'cameras', 'cam-bench-0', 'pictures', `S${size}.JPG`));
    const floor: number[] = [];
    for (let i = 0; i < count; i++) {
      const target = await solo.app.issueUpload('cam-bench-0', { contentType: 'image/jpeg', size });
      const t0 = performance.now();
      await barePut(target, body);
      floor.push(performance.now() - t0);
    }
    const [p, rc, f] = [ascending(put), ascending(reconciled), ascending(floor)];
    const label = `${size / MIB} MiB x ${count}`;
    console.log(
      `${label}: hand-off -> camera PUT done p50 ${ms(percentile(p, 0.5))} p99 ${ms(percentile(p, 0.99))} (${mbps(size, percentile(p, 0.5))})`,
    );
    console.log(
      `${label}: hand-off -> reconciled (app got upload.completed) p50 ${ms(percentile(rc, 0.5))} p99 ${ms(percentile(rc, 0.99))}`,
    );
    console.log(
      `${label}: floor, bare HTTPS PUT to the store p50 ${ms(percentile(f, 0.5))} p99 ${ms(percentile(f, 0.99))} (${mbps(size, percentile(f, 0.5))})`,
    );
    for (const [name, q] of [
      ['p50', 0.5],
      ['p99', 0.99],
    ] as const) {
      const peer = { name: `bare HTTPS PUT, ${name}`, value: percentile(f, q) };
      const mib = size / MIB;
      reportFigure({
        bench: 'upload',
        figure: `${mib} MiB: hand-off -> PUT + announce done, ${name}`,
        unit: 'ms',
        value: percentile(p, q),
        peer,
        better: 'lower',
      });
      reportFigure({
        bench: 'upload',
        figure: `${mib} MiB: hand-off -> reconciled (app has the event), ${name}`,
        unit: 'ms',
        value: percentile(rc, q),
        peer,
        better: 'lower',
      });
    }
  }

  const fleet: Rig[] = [solo];
  for (let i = 1; i < CAMERAS; i++) fleet.push(await rig(`cam-bench-${i}`, [MIB]));
  const reconciled: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    fleet.map(async (r) => {
      for (let i = 0; i < FLEET_UPLOADS_PER_CAMERA; i++)
        reconciled.push((await uploadOnce(r, MIB)).reconciledMs);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const total = fleet.length * FLEET_UPLOADS_PER_CAMERA;
  const sorted = ascending(reconciled);
  console.log(
    `${fleet.length} cameras x ${FLEET_UPLOADS_PER_CAMERA} uploads of 1 MiB at once: ${total} reconciled in ${seconds.toFixed(2)} s = ${(total / seconds).toFixed(1)} uploads/s, ${((total * MIB) / MIB / seconds).toFixed(1)} MiB/s`,
  );
  console.log(
    `${fleet.length} cameras: hand-off -> reconciled p50 ${ms(percentile(sorted, 0.5))} p99 ${ms(percentile(sorted, 0.99))}`,
  );
  const fleetLabel = `${fleet.length} cameras x ${FLEET_UPLOADS_PER_CAMERA} x 1 MiB at once`;
  reportFigure({
    bench: 'upload',
    figure: `${fleetLabel}: uploads reconciled per second`,
    unit: 'uploads/s',
    value: total / seconds,
    better: 'higher',
  });
  for (const [name, q] of [
    ['p50', 0.5],
    ['p99', 0.99],
  ] as const)
    reportFigure({
      bench: 'upload',
      figure: `${fleetLabel}: hand-off -> reconciled, ${name}`,
      unit: 'ms',
      value: percentile(sorted, q),
      better: 'lower',
    });
  for (const r of fleet) {
    r.link.close();
    r.app.close();
    await r.camera.close();
  }
} finally {
  operator.close();
  agent.destroy();
  await platform.close();
  await rm(dataDir, { recursive: true, force: true });
}
