/**
 * Backend benchmark: upload notifications reconciled per second, and notification-to-SSE latency at a
 * fixed rate, end to end through the embedded platform as `camlink up` runs it (one process): a
 * provisioned, paired camera publishes upload notifications over mutual-TLS MQTT (QoS 1); the topic
 * rule puts them on the queue; the backend's reconciler receives them with the SQS client, HEADs each
 * object with the S3 client, records the upload and pushes upload.completed to the user's SSE stream.
 *
 * Peer in the same run: the floor under that path — a bare SQS round trip (SendMessage ->
 * ReceiveMessage -> DeleteMessage) plus an S3 HeadObject, with the same clients and the same TLS, with
 * no backend logic.
 *
 * Fixed workload (BENCH_SCALE=0.1 for a smoke run): 1,000 uploads of 1 KiB prepared beforehand (URL
 * issued by the API, object PUT); burst phase: all 1,000 notifications published at once (100 QoS 1
 * in flight); paced phase: 500 notifications at 50/s. One line per figure.
 */
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import mqtt from 'mqtt';
import { loadConfig } from '../src/config/load.js';
import { withEphemeralPorts } from '../src/config/ephemeral-ports.js';
import { createLogger } from '../src/log/logger.js';
import { startPlatform } from '../src/platform/platform.js';
import { privateKeyToPem, subtle } from '../src/pki/keys.js';
import { x509 } from '../src/pki/x509.js';
import { describeBench, reportFigure } from './lib/report.js';
import { ms, percentile } from './lib/stats.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const BURST = Math.round(1_000 * SCALE);
const PACED = Math.round(500 * SCALE);
const RATE_PER_S = 50;
const BODY = Buffer.alloc(1024, 7);
const SHA = createHash('sha256').update(BODY).digest('hex');

describeBench('backend', {
  workload:
    'The whole direct-upload path after the PUT, in one process as `camlink up` runs it: a provisioned and paired ' +
    'camera (ECDSA P-256, mutual-TLS MQTT) announces uploads (QoS 1); the topic rule queues each before PUBACK; the ' +
    "backend's reconciler receives them with @aws-sdk/client-sqs, HEADs the object with @aws-sdk/client-s3, " +
    "checks size, type and SHA-256, records the upload in SQLite and pushes upload.completed to the user's SSE " +
    `stream. Objects of 1 KiB are issued and PUT beforehand through the API (not timed). Burst: ${BURST.toLocaleString('en')} ` +
    `notifications published at once (100 QoS 1 in flight); then ${PACED} at a fixed ${RATE_PER_S}/s, latency from ` +
    'PUBLISH to the SSE event per notification.',
  peers:
    'The floor under that path, measured after it in the same process: a bare SQS send + receive + delete and an ' +
    'S3 HEAD with the same clients and TLS, sequential, no backend logic.',
});

const dataDir = await mkdtemp(join(os.tmpdir(), 'camlink-bench-backend-'));
const config = withEphemeralPorts(
  loadConfig({
    env: process.env, // CAMLINK_* variables tune the platform under test, e.g. CAMLINK_BACKEND__RECONCILER__CONCURRENCY
    flags: { dataDir, broker: { limits: { publishesPerSecond: 10_000 } } },
  }),
);
const platform = await startPlatform(config, createLogger({ level: 'warn' }));
const { endpoints } = platform;
const ca = await readFile(endpoints.caPath);
const agent = new https.Agent({ ca, keepAlive: true, maxSockets: 64 });
const operatorToken = (await readFile(platform.operatorTokenFile, 'utf8')).trim();

async function api<T>(method: string, path: string, token: string, body?: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${endpoints.api}${path}`,
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          (res.statusCode ?? 500) < 300
            ? resolve(JSON.parse(text) as T)
            : reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function putObject(url: string, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'PUT', agent, headers }, (res) => {
      res.resume();
      res.on('end', () =>
        (res.statusCode ?? 500) === 200 ? resolve() : reject(new Error(`PUT ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end(BODY);
  });
}

// A user, a camera provisioned from a CSR and paired with its signature: the product's own path.
const deviceId = 'cam-bench';
const keys = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
const csr = await x509.Pkcs10CertificateRequestGenerator.create({
  name: `CN=${deviceId}`,
  keys,
  signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
});
const keyPem = await privateKeyToPem(keys.privateKey);
const provisioned = await api<{ certificatePem: string }>('POST', '/v1/devices/provision', operatorToken, {
  deviceId,
  csr: csr.toString('pem'),
});
const user = await api<{ user: { id: string }; token: { token: string } }>(
  'POST',
  '/v1/users',
  operatorToken,
  {
    name: 'bench',
  },
);
const userToken = user.token.token;
const challenge = await api<{ challengeId: string; signingInput: string }>(
  'POST',
  '/v1/pairing/challenges',
  userToken,
  { deviceId },
);
await api('POST', '/v1/pairing', userToken, {
  challengeId: challenge.challengeId,
  signature: sign('sha256', Buffer.from(challenge.signingInput, 'base64'), createPrivateKey(keyPem)).toString(
    'base64',
  ),
});

interface Prepared {
  uploadId: string;
  bucket: string;
  key: string;
  url: string;
}
async function prepare(count: number): Promise<Prepared[]> {
  const out: Prepared[] = [];
  for (let i = 0; i < count; i++) {
    const issued = await api<Prepared & { put: { url: string; headers: Record<string, string> } }>(
      'POST',
      `/v1/devices/${deviceId}/uploads`,
      userToken,
      { contentType: 'image/jpeg', size: BODY.length, sha256: SHA },
    );
    await putObject(issued.put.url, issued.put.headers);
    out.push(issued);
  }
  return out;
}

// The user's event stream: upload.completed events by upload id, with the time they arrived.
const arrived = new Map<string, number>();
const waiters = new Map<string, () => void>();
await new Promise<void>((resolve, reject) => {
  const req = https.get(
    `${endpoints.api}/v1/events`,
    {
      agent: new https.Agent({ ca }),
      headers: { authorization: `Bearer ${userToken}`, accept: 'text/event-stream' },
    },
    (res) => {
      if (res.statusCode !== 200) reject(new Error(`events: ${res.statusCode}`));
      let buffer = '';
      res.on('data', (d: Buffer) => {
        buffer += d.toString();
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('\n');
          if (!block.includes('event: upload.completed') || data === '') continue;
          const event = JSON.parse(data) as { data?: { uploadId?: string }; uploadId?: string };
          const id = event.data?.uploadId ?? event.uploadId;
          if (id === undefined) continue;
          arrived.set(id, performance.now());
          waiters.get(id)?.();
        }
      });
      resolve();
    },
  );
  req.on('error', reject);
});
const eventFor = (id: string) =>
  arrived.has(id) ? Promise.resolve() : new Promise<void>((resolve) => waiters.set(id, resolve));

const camera = await mqtt.connectAsync(endpoints.mqtt, {
  protocolVersion: 4,
  clientId: deviceId,
  key: keyPem,
  cert: provisioned.certificatePem,
  ca,
  servername: 'localhost',
  reconnectPeriod: 0,
});
function announce(u: Prepared): Promise<unknown> {
  const now = new Date().toISOString();
  return camera.publishAsync(
    `camlink/devices/${deviceId}/uploads`,
    JSON.stringify({
      uploadId: u.uploadId,
      deviceId,
      bucket: u.bucket,
      key: u.key,
      url: u.url,
      size: BODY.length,
      sha256: SHA,
      contentType: 'image/jpeg',
      capturedAt: now,
      uploadedAt: now,
    }),
    { qos: 1 },
  );
}

const p = percentile;

// Burst: everything announced at once; the reconciler's rate is what it drains per second.
const burst = await prepare(BURST);
const t0 = performance.now();
const published: Promise<unknown>[] = [];
for (const u of burst) {
  published.push(announce(u));
  if (published.length % 100 === 0) await Promise.all(published.splice(0));
}
await Promise.all(published);
await Promise.all(burst.map((u) => eventFor(u.uploadId)));
const burstSeconds = (performance.now() - t0) / 1000;
const burstRate = BURST / burstSeconds;
console.log(
  `burst: ${BURST} notifications reconciled and pushed over SSE in ${burstSeconds.toFixed(2)} s = ${(BURST / burstSeconds).toFixed(0)}/s`,
);

// Paced: a fixed rate; latency from the PUBLISH to the SSE event, per notification.
const paced = await prepare(PACED);
const latencies: number[] = [];
const start = performance.now();
await Promise.all(
  paced.map(async (u, i) => {
    const due = start + (i * 1000) / RATE_PER_S;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    const sent = performance.now();
    await announce(u);
    await eventFor(u.uploadId);
    latencies.push((arrived.get(u.uploadId) ?? sent) - sent);
  }),
);
latencies.sort((a, b) => a - b);
console.log(
  `paced ${RATE_PER_S}/s: notification -> SSE latency p50 ${ms(p(latencies, 0.5))}, p99 ${ms(p(latencies, 0.99))}, max ${ms(latencies[latencies.length - 1] ?? 0)}`,
);

// The floor: a bare SQS round trip and an S3 HEAD with the same clients and TLS, no backend logic.
const handler = new NodeHttpHandler({ httpsAgent: agent });
const credentials = endpoints.credentials;
const sqs = new SQSClient({
  endpoint: endpoints.sqs,
  region: endpoints.region,
  credentials,
  requestHandler: handler,
});
const s3 = new S3Client({
  endpoint: endpoints.s3,
  region: endpoints.region,
  credentials,
  requestHandler: handler,
  forcePathStyle: true,
});
const floorQueue = `${endpoints.sqs}/${endpoints.accountId}/camlink-uploads-dlq`;
const floor: number[] = [];
for (let i = 0; i < Math.max(50, Math.round(PACED / 5)); i++) {
  const f0 = performance.now();
  await sqs.send(new SendMessageCommand({ QueueUrl: floorQueue, MessageBody: 'x'.repeat(400) }));
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: floorQueue, MaxNumberOfMessages: 1 }));
  const handle = got.Messages?.[0]?.ReceiptHandle;
  if (handle) await sqs.send(new DeleteMessageCommand({ QueueUrl: floorQueue, ReceiptHandle: handle }));
  const u = burst[i % burst.length];
  if (u) await s3.send(new HeadObjectCommand({ Bucket: u.bucket, Key: u.key }));
  floor.push(performance.now() - f0);
}
floor.sort((a, b) => a - b);
console.log(
  `floor (SQS send+receive+delete + S3 HEAD, sequential): p50 ${ms(p(floor, 0.5))}, p99 ${ms(p(floor, 0.99))}`,
);
const floorName = 'floor: SQS send+receive+delete + S3 HEAD';
reportFigure({
  bench: 'backend',
  figure: 'notifications reconciled and pushed over SSE (burst)',
  unit: '/s',
  value: burstRate,
  better: 'higher',
});
for (const [label, q] of [
  ['p50', 0.5],
  ['p99', 0.99],
] as const)
  reportFigure({
    bench: 'backend',
    figure: `notification -> SSE latency at ${RATE_PER_S}/s, ${label}`,
    unit: 'ms',
    value: p(latencies, q),
    peer: { name: `${floorName}, ${label}`, value: p(floor, q) },
    better: 'lower',
  });
reportFigure({
  bench: 'backend',
  figure: `notification -> SSE latency at ${RATE_PER_S}/s, max`,
  unit: 'ms',
  value: latencies[latencies.length - 1] ?? 0,
  better: 'lower',
});

await camera.endAsync();
sqs.destroy();
s3.destroy();
agent.destroy();
await platform.close();
await rm(dataDir, { recursive: true, force: true });
process.exit(0);
