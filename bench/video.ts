/**
 * Video benchmark: PutMedia ingest throughput and live HLS latency of the KVS-compatible video service,
 * through the embedded platform as `camlink up` runs it (one process), with the camera's own PutMedia
 * client (src/device/video/put-media.ts, SigV4 with the platform's key pair) and the official KVS SDK
 * clients for the control plane and the archived-media API.
 *
 * Fixtures, made once with Debian's ffmpeg (not timed): a 20 s H.264 MKV (libx264 baseline, zerolatency,
 * no B-frames) at 640x360 25 fps with a 1 s GOP, i.e. 20 Clusters = 20 fragments, and the same at
 * 1920x1080 4 Mb/s.
 *
 * Fixed workload (BENCH_SCALE=0.2 for a smoke run), streams with 1 h retention:
 * 1. Ingest, as fast as the client can write (not real time), waiting for every PERSISTED ack: each file
 *    PutMedia'd 10 times one after another on one stream (RELATIVE timecodes, each call's producer start
 *    21 s after the previous one's, so fragments never go back in time), then 4 streams in parallel,
 *    each doing 5 calls one after another. Figures: fragments/s, MB/s (10^6 bytes of MKV per second),
 *    RECEIVED -> PERSISTED per fragment as the client sees the two acks arrive (p50/p99), and the
 *    process's event-loop delay (p99/max) while it runs.
 * 2. Live latency: the 360p file paced in real time, each frame's bytes written when its timecode says
 *    (a Cluster's header goes with its first frame), on a fresh stream; a LIVE HLS session opened after
 *    the first fragment, its media playlist polled every 20 ms over HTTPS. Per fragment, from writing the
 *    Cluster's last byte to (a) its PERSISTED ack and (b) its FragmentNumber in the LIVE media playlist,
 *    p50/p99 (the first fragment is left out of (b): the session does not exist yet). Run twice: with
 *    the Clusters as ffmpeg writes them (known size: the service can close a fragment at its last
 *    byte) and the same bytes with every Cluster size rewritten to "unknown" (as the KVS producer SDK
 *    streams them: a fragment closes only when the next Cluster starts, or the body ends).
 *
 * Peers in the same run, the raw floor under the ingest: the same bytes written to disk in
 * fragment-sized chunks, one file per fragment (open + write + fsync + close), and the same bytes POSTed
 * (chunked) over loopback HTTPS, with the same server certificate, to a sink that discards them; both in
 * the same sequential / 4-parallel shapes as the ingest. One line per figure.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import {
  CreateStreamCommand,
  GetDataEndpointCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import {
  GetHLSStreamingSessionURLCommand,
  KinesisVideoArchivedMediaClient,
} from '@aws-sdk/client-kinesis-video-archived-media';
import { loadConfig } from '../src/config/load.js';
import { withEphemeralPorts } from '../src/config/ephemeral-ports.js';
import type { PutMediaAck } from '../src/device/video/ack-lines.js';
import { putMedia } from '../src/device/video/put-media.js';
import { createLogger } from '../src/log/logger.js';
import { serverCertPaths } from '../src/pki/server-cert.js';
import { startPlatform } from '../src/platform/platform.js';
import { MkvReader } from '../src/video/mkv/reader.js';
import { describeBench, reportFigure } from './lib/report.js';
import { ascending, ms, percentile } from './lib/stats.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const SEQUENTIAL_CALLS = Math.max(2, Math.round(10 * SCALE));
const PARALLEL_STREAMS = 4;
const PARALLEL_CALLS = Math.max(1, Math.round(5 * SCALE));
const LIVE_FRAGMENTS = Math.max(4, Math.round(20 * SCALE));
const FILE_SECONDS = 20;
const POLL_MS = 20;
const MB = 1e6;
const run = promisify(execFile);

describeBench('video', {
  workload:
    "Through the embedded platform as `camlink up` runs it (one process), with the camera's own PutMedia client " +
    '(SigV4, waiting for PERSISTED) and the official KVS SDK clients for the control plane and HLS. Fixtures made ' +
    `once with ffmpeg (not timed): ${FILE_SECONDS} s of testsrc2, libx264 baseline, zerolatency, no B-frames, 25 fps, ` +
    '1 s GOP, MKV in live mode with one Cluster per GOP: 640x360 at 1 Mb/s and 1920x1080 at 4 Mb/s. Streams with 1 h ' +
    `retention. Ingest, as fast as the client writes: each file PutMedia'd ${SEQUENTIAL_CALLS} times one after another ` +
    `on one stream, then ${PARALLEL_STREAMS} streams in parallel, each ${PARALLEL_CALLS} calls; fragments/s counts ` +
    'PERSISTED acks, MB/s is 10^6 bytes of MKV per second; RECEIVED -> PERSISTED as the client reads the acks; the ' +
    `event-loop delay is the whole process's. Live latency: the first ${LIVE_FRAGMENTS} fragments of the 360p file ` +
    `paced in real time on a fresh stream, a LIVE HLS media playlist polled every ${POLL_MS} ms; per fragment, from ` +
    "writing the Cluster's last byte to its PERSISTED ack and to its appearance in the playlist; run with sized " +
    'Clusters (as ffmpeg writes them) and with every Cluster size rewritten to "unknown" (as the KVS producer SDK ' +
    'streams them).',
  peers:
    'The raw floor under the ingest, in the same sequential / parallel shapes: the same bytes written to disk in ' +
    'fragment-sized chunks, one file per fragment (open + write + fsync + close), and the same bytes POSTed ' +
    "(chunked) over loopback HTTPS, with the platform's server certificate, to a sink that discards them. The " +
    'live-latency figures have no peer.',
});

const dataDir = await mkdtemp(join(os.tmpdir(), 'camlink-bench-video-'));

/** A 20 s H.264 MKV, 1 s GOP, as the camera's ffmpeg writes it. */
async function fixture(name: string, size: string, bitrate: string): Promise<Buffer> {
  const path = join(dataDir, `${name}.mkv`);
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25`],
    ...['-t', String(FILE_SECONDS), '-c:v', 'libx264', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p'],
    ...['-b:v', bitrate, '-bf', '0', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0'],
    ...['-tune', 'zerolatency', '-write_crc32', '0'],
    // In live mode ffmpeg cuts a Cluster every 32 KiB (mid-GOP) unless told otherwise: one per GOP here.
    ...['-cluster_size_limit', '50000000', '-cluster_time_limit', '2000'],
    ...['-f', 'matroska', '-live', '1', path],
  ]);
  return readFile(path);
}

interface Layout {
  /** Offset where each Cluster element (its ID) starts. */
  readonly clusters: number[];
  /** Byte length of each Cluster's size field. */
  readonly sizeBytes: number[];
  /** Each Cluster's Timecode (ms), what the acks report. */
  readonly timecodes: number[];
  /** Per frame: the offset just past its block, its timecode (ms) and its Cluster's index. */
  readonly frames: { end: number; timecodeMs: number; cluster: number }[];
}

const CLUSTER_ID = Buffer.from([0x1f, 0x43, 0xb6, 0x75]);

/** Where the Clusters and frames are, from the service's own MKV reader fed byte by byte. */
function layout(mkv: Buffer): Layout {
  const reader = new MkvReader();
  const clusters: number[] = [];
  const sizeBytes: number[] = [];
  const timecodes: number[] = [];
  const frames: Layout['frames'] = [];
  for (let i = 0; i < mkv.length; i++) {
    for (const e of reader.push(mkv.subarray(i, i + 1))) {
      if (e.type === 'info' && e.timecodeScale !== 1_000_000) throw new Error('expected ms timecodes');
      if (e.type === 'clusterStart') {
        // The event comes at the end of the Cluster's Timecode element: its ID is a few bytes back.
        const at = mkv.lastIndexOf(CLUSTER_ID, i);
        if (at < 0 || i - at > 24) throw new Error(`no Cluster ID before offset ${i}`);
        clusters.push(at);
        sizeBytes.push(vintLength(mkv[at + 4] ?? 0));
        timecodes.push(e.timecode);
      }
      if (e.type === 'frame' && frames.at(-1)?.cluster !== clusters.length - 1 && !e.keyframe) {
        throw new Error(`Cluster ${clusters.length - 1} does not start with a keyframe`);
      }
      if (e.type === 'frame')
        frames.push({ end: i + 1, timecodeMs: e.timecode, cluster: clusters.length - 1 });
    }
  }
  reader.end();
  return { clusters, sizeBytes, timecodes, frames };
}

function vintLength(first: number): number {
  for (let n = 1; n <= 8; n++) if (first & (0x100 >> n)) return n;
  throw new Error('bad vint');
}

/** The same bytes with every Cluster's size field set to "unknown" (all data bits ones, same width). */
function unknownSizeClusters(mkv: Buffer, l: Layout): Buffer {
  const out = Buffer.from(mkv);
  l.clusters.forEach((at, k) => {
    const n = l.sizeBytes[k] ?? 1;
    out[at + 4] = (0xff >> n) | (0x100 >> n);
    out.fill(0xff, at + 5, at + 4 + n);
  });
  return out;
}

/** The first `fragments` Clusters (and the header before them). */
function truncate(mkv: Buffer, l: Layout, fragments: number): Buffer {
  const end = l.clusters[fragments];
  return end === undefined ? mkv : mkv.subarray(0, end);
}

/** Fragment-sized chunks: the header with the first Cluster, then one Cluster each. */
function fragmentChunks(mkv: Buffer, l: Layout): Buffer[] {
  const cuts = [0, ...l.clusters.slice(1), mkv.length];
  return cuts.slice(1).map((end, k) => mkv.subarray(cuts[k], end));
}

const [small, large] = [await fixture('360p', '640x360', '1M'), await fixture('1080p', '1920x1080', '4M')];
const smallLayout = layout(small);
const largeLayout = layout(large);
const fixtures = [
  { label: '360p', mkv: small, layout: smallLayout },
  { label: '1080p', mkv: large, layout: largeLayout },
];

const config = withEphemeralPorts(loadConfig({ env: process.env, flags: { dataDir } }));
const platform = await startPlatform(config, createLogger({ level: 'warn' }));
const { endpoints } = platform;
const ca = await readFile(endpoints.caPath);
const agent = new https.Agent({ ca, keepAlive: true, maxSockets: 16 });
const keys = {
  accessKeyId: endpoints.credentials.accessKeyId,
  secretAccessKey: endpoints.credentials.secretAccessKey,
};
const sdk = {
  endpoint: endpoints.kvs,
  region: endpoints.region,
  credentials: keys,
  requestHandler: { httpsAgent: agent },
};
const kvs = new KinesisVideoClient(sdk);
const archived = new KinesisVideoArchivedMediaClient(sdk);

async function createStream(name: string): Promise<string> {
  await kvs.send(
    new CreateStreamCommand({ StreamName: name, DataRetentionInHours: 1, MediaType: 'video/h264' }),
  );
  const { DataEndpoint } = await kvs.send(
    new GetDataEndpointCommand({ StreamName: name, APIName: 'PUT_MEDIA' }),
  );
  if (DataEndpoint === undefined) throw new Error('no data endpoint');
  return DataEndpoint;
}

interface CallFigures {
  persisted: number;
  /** RECEIVED -> PERSISTED per fragment, ms. */
  persistMs: number[];
}

/** One PutMedia of `body`, waiting for every PERSISTED ack; `onAck` sees each ack as it arrives. */
async function putOnce(
  dataEndpoint: string,
  streamName: string,
  body: Readable,
  producerStartTime: Date,
  onAck?: (ack: PutMediaAck, at: number) => void,
): Promise<CallFigures> {
  const upload = putMedia({
    dataEndpoint,
    streamName,
    region: endpoints.region,
    credentials: () => Promise.resolve(keys),
    body,
    ca,
    awaitPersisted: true,
    producerStartTime,
  });
  const received = new Map<string, number>();
  const persistMs: number[] = [];
  upload.on('ack', (ack) => {
    const at = performance.now();
    const key = ack.fragmentNumber ?? '';
    if (ack.type === 'RECEIVED') received.set(key, at);
    if (ack.type === 'PERSISTED') {
      const r = received.get(key);
      if (r !== undefined) persistMs.push(at - r);
    }
    onAck?.(ack, at);
  });
  const result = await upload.result;
  if (result.errors.length > 0 || !result.complete) {
    throw new Error(`PutMedia ${streamName}: ${JSON.stringify(result.errors)} complete=${result.complete}`);
  }
  return { persisted: result.fragmentsPersisted, persistMs };
}

/** Producer start times that keep every stream's fragments moving forward across calls. */
let nextStart = Date.now() - 30 * 60_000;
const claimStart = () => new Date((nextStart += (FILE_SECONDS + 1) * 1000));

const rate = (bytes: number, seconds: number) => `${(bytes / MB / seconds).toFixed(1)} MB/s`;

interface IngestFigures {
  fragmentsPerS: number;
  mbPerS: number;
  persistP50: number;
  persistP99: number;
  loopP99: number;
  loopMax: number;
}

async function ingest(label: string, mkv: Buffer, streams: number, calls: number): Promise<IngestFigures> {
  const names = Array.from({ length: streams }, (_, i) => `bench-${label}-${streams}x-${i}`);
  const dataEndpoints = await Promise.all(names.map(createStream));
  const persistMs: number[] = [];
  let persisted = 0;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const t0 = performance.now();
  await Promise.all(
    names.map(async (name, i) => {
      for (let c = 0; c < calls; c++) {
        const f = await putOnce(dataEndpoints[i] ?? '', name, Readable.from([mkv]), claimStart());
        persisted += f.persisted;
        persistMs.push(...f.persistMs);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  loop.disable();
  const bytes = mkv.length * streams * calls;
  const sorted = ascending(persistMs);
  const shape = `${label} ${streams} stream(s) x ${calls} PutMedia`;
  console.log(
    `ingest ${shape}: ${persisted} fragments PERSISTED in ${seconds.toFixed(2)} s = ${(persisted / seconds).toFixed(1)} fragments/s, ${rate(bytes, seconds)}`,
  );
  console.log(
    `ingest ${shape}: RECEIVED -> PERSISTED p50 ${ms(percentile(sorted, 0.5))} p99 ${ms(percentile(sorted, 0.99))}`,
  );
  console.log(
    `ingest ${shape}: event-loop delay (client and service share the process) p99 ${ms(loop.percentile(99) / 1e6)} max ${ms(loop.max / 1e6)}`,
  );
  return {
    fragmentsPerS: persisted / seconds,
    mbPerS: bytes / MB / seconds,
    persistP50: percentile(sorted, 0.5),
    persistP99: percentile(sorted, 0.99),
    loopP99: loop.percentile(99) / 1e6,
    loopMax: loop.max / 1e6,
  };
}

/** Peer: one file per fragment-sized chunk, open + write + fsync + close. */
async function diskFloor(
  label: string,
  mkv: Buffer,
  l: Layout,
  streams: number,
  calls: number,
): Promise<{ filesPerS: number; mbPerS: number }> {
  const chunks = fragmentChunks(mkv, l);
  const dir = join(dataDir, 'floor', `${label}-${streams}`);
  await mkdir(dir, { recursive: true });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: streams }, async (_, s) => {
      for (let c = 0; c < calls; c++) {
        for (const [k, chunk] of chunks.entries()) {
          const fh = await open(join(dir, `${s}-${c}-${k}.mkv`), 'w');
          await fh.write(chunk);
          await fh.sync();
          await fh.close();
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const n = chunks.length * streams * calls;
  console.log(
    `peer disk ${label} ${streams} writer(s) x ${calls}: ${n} fragment files fsynced in ${seconds.toFixed(2)} s = ${(n / seconds).toFixed(1)} files/s, ${rate(mkv.length * streams * calls, seconds)}`,
  );
  return { filesPerS: n / seconds, mbPerS: (mkv.length * streams * calls) / MB / seconds };
}

const certPaths = serverCertPaths(dataDir, 'endpoint');
const sink = https.createServer(
  { key: await readFile(certPaths.keyPath), cert: await readFile(certPaths.certPath) },
  (req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  },
);
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkAddress = sink.address();
const sinkUrl = `https://127.0.0.1:${typeof sinkAddress === 'object' && sinkAddress ? sinkAddress.port : 0}/`;

function postToSink(body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      sinkUrl,
      { method: 'POST', agent, headers: { 'transfer-encoding': 'chunked' } },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`sink ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Peer: the same bytes, chunked, over loopback HTTPS to a sink that drops them. */
async function httpsFloor(label: string, mkv: Buffer, streams: number, calls: number): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: streams }, async () => {
      for (let c = 0; c < calls; c++) await postToSink(mkv);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `peer HTTPS sink ${label} ${streams} connection(s) x ${calls} POST: ${rate(mkv.length * streams * calls, seconds)}`,
  );
  return (mkv.length * streams * calls) / MB / seconds;
}

/** Ingest of one fixture in one shape, with its two floors, as figures for docs/benchmarks.md. */
function reportIngest(
  shape: string,
  f: IngestFigures,
  disk: { filesPerS: number; mbPerS: number },
  httpsMbPerS: number,
): void {
  const figure = (
    name: string,
    unit: string,
    value: number,
    better: 'higher' | 'lower',
    peer?: { name: string; value: number },
  ) =>
    reportFigure({
      bench: 'video',
      figure: `${shape}: ${name}`,
      unit,
      value,
      better,
      ...(peer ? { peer } : {}),
    });
  figure('fragments PERSISTED per second', 'fragments/s', f.fragmentsPerS, 'higher', {
    name: 'disk, one fsynced file per fragment',
    value: disk.filesPerS,
  });
  figure('MB/s ingested', 'MB/s', f.mbPerS, 'higher', { name: 'HTTPS sink', value: httpsMbPerS });
  figure('MB/s ingested', 'MB/s', f.mbPerS, 'higher', {
    name: 'disk, one fsynced file per fragment',
    value: disk.mbPerS,
  });
  figure('RECEIVED -> PERSISTED p50', 'ms', f.persistP50, 'lower');
  figure('RECEIVED -> PERSISTED p99', 'ms', f.persistP99, 'lower');
  figure('event-loop delay p99', 'ms', f.loopP99, 'lower');
  figure('event-loop delay max', 'ms', f.loopMax, 'lower');
}

function getText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () =>
          res.statusCode === 200 ? resolve(text) : reject(new Error(`GET ${res.statusCode}`)),
        );
      })
      .on('error', reject);
  });
}

/** Real-time PutMedia of `mkv`, frame by frame, with the LIVE playlist polled beside it. */
async function live(label: string, name: string, mkv: Buffer, l: Layout): Promise<void> {
  const dataEndpoint = await createStream(name);
  const clusterCount = l.clusters.length;
  // Write schedule: each frame's bytes (with what precedes them) at the frame's timecode.
  const steps = l.frames.map((f, i) => ({
    from: i === 0 ? 0 : (l.frames[i - 1]?.end ?? 0),
    to: f.end,
    dueMs: f.timecodeMs,
    cluster: f.cluster,
  }));
  const last = steps.at(-1);
  if (last !== undefined) last.to = mkv.length; // trailing elements go with the last frame
  const lastByteAt: number[] = [];
  const persistedAt = new Map<number, number>();
  const numberToCluster = new Map<string, number>();
  const listedAt = new Map<number, number>();
  let firstPersisted: () => void = () => undefined;
  const firstPersistedP = new Promise<void>((resolve) => (firstPersisted = resolve));

  const body = new PassThrough();
  const call = putOnce(dataEndpoint, name, body, new Date(), (ack, at) => {
    const k = l.timecodes.indexOf(ack.fragmentTimecode ?? -1);
    if (k < 0) return;
    if (ack.fragmentNumber !== undefined) numberToCluster.set(ack.fragmentNumber, k);
    if (ack.type === 'PERSISTED') {
      persistedAt.set(k, at);
      firstPersisted();
    }
  });

  let writing = true;
  let stop = false;
  const poller = (async () => {
    await firstPersistedP;
    const session = await archived.send(
      new GetHLSStreamingSessionURLCommand({ StreamName: name, PlaybackMode: 'LIVE' }),
    );
    const masterUrl = session.HLSStreamingSessionURL ?? '';
    const master = await getText(masterUrl);
    const mediaUri = /^getHLSMediaPlaylist\.m3u8\?\S+$/m.exec(master)?.[0];
    if (mediaUri === undefined) throw new Error('no media playlist in the master playlist');
    const mediaUrl = new URL(mediaUri, masterUrl).href;
    while (!stop && (writing || listedAt.size < persistedAt.size)) {
      const playlist = await getText(mediaUrl);
      const at = performance.now();
      for (const m of playlist.matchAll(/FragmentNumber=(\d+)/g)) {
        const k = numberToCluster.get(m[1] ?? '');
        if (k !== undefined && !listedAt.has(k)) listedAt.set(k, at);
      }
      await sleep(POLL_MS);
    }
  })();

  const t0 = performance.now();
  for (const step of steps) {
    const wait = t0 + step.dueMs - performance.now();
    if (wait > 0) await sleep(wait);
    body.write(mkv.subarray(step.from, step.to));
    lastByteAt[step.cluster] = performance.now();
  }
  body.end();
  await call;
  writing = false;
  await Promise.race([poller, sleep(5_000)]);
  stop = true;
  await poller;

  const toPersisted: number[] = [];
  const toListed: number[] = [];
  for (let k = 0; k < clusterCount; k++) {
    const written = lastByteAt[k];
    if (written === undefined) continue;
    const p = persistedAt.get(k);
    if (p !== undefined) toPersisted.push(p - written);
    const h = listedAt.get(k);
    if (k > 0 && h !== undefined) toListed.push(h - written);
  }
  const [p, h] = [ascending(toPersisted), ascending(toListed)];
  console.log(
    `live ${label}: Cluster's last byte written -> PERSISTED ack p50 ${ms(percentile(p, 0.5))} p99 ${ms(percentile(p, 0.99))} (${p.length} fragments)`,
  );
  console.log(
    `live ${label}: Cluster's last byte written -> in the LIVE HLS media playlist p50 ${ms(percentile(h, 0.5))} p99 ${ms(percentile(h, 0.99))} (${h.length} fragments, polled every ${POLL_MS} ms)`,
  );
  for (const [what, sorted] of [
    ['PERSISTED', p],
    ['in LIVE playlist', h],
  ] as const)
    for (const [name, q] of [
      ['p50', 0.5],
      ['p99', 0.99],
    ] as const)
      reportFigure({
        bench: 'video',
        figure: `live ${label}: last byte -> ${what}, ${name}`,
        unit: 'ms',
        value: percentile(sorted, q),
        better: 'lower',
      });
}

try {
  console.log(
    `fixtures: 360p ${(small.length / MB).toFixed(2)} MB, 1080p ${(large.length / MB).toFixed(2)} MB, ${smallLayout.clusters.length} and ${largeLayout.clusters.length} fragments of 1 s`,
  );
  for (const { label, mkv, layout: l } of fixtures) {
    for (const [streams, calls] of [
      [1, SEQUENTIAL_CALLS],
      [PARALLEL_STREAMS, PARALLEL_CALLS],
    ] as const) {
      const figures = await ingest(label, mkv, streams, calls);
      const disk = await diskFloor(label, mkv, l, streams, calls);
      const sink = await httpsFloor(label, mkv, streams, calls);
      reportIngest(`${label}, ${streams} stream${streams > 1 ? 's' : ''} x ${calls}`, figures, disk, sink);
    }
  }
  const liveMkv = truncate(small, smallLayout, LIVE_FRAGMENTS);
  const liveLayout = layout(liveMkv);
  await live('360p, sized Clusters (as ffmpeg writes them)', 'bench-live-sized', liveMkv, liveLayout);
  await live(
    '360p, unknown-size Clusters',
    'bench-live-unknown',
    unknownSizeClusters(liveMkv, liveLayout),
    liveLayout,
  );
} finally {
  kvs.destroy();
  archived.destroy();
  agent.destroy();
  sink.close();
  await platform.close();
  await rm(dataDir, { recursive: true, force: true });
}
