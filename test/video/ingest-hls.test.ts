/**
 * Video end to end on the KVS surface: an H.264 MKV from Debian's ffmpeg goes in by PutMedia (acks
 * BUFFERING/RECEIVED/PERSISTED per fragment), the official archived-media client lists the fragments
 * and opens LIVE and ON_DEMAND HLS sessions, and ffprobe reads them (and GetClip's MP4) as H.264 with
 * every frame. A malformed body gets an ERROR ack (4006) and the stream takes the next PutMedia; a
 * connection dropped mid-fragment loses only that fragment.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import type { Agent } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { CreateStreamCommand, GetDataEndpointCommand } from '@aws-sdk/client-kinesis-video';
import {
  GetClipCommand,
  GetHLSStreamingSessionURLCommand,
  KinesisVideoArchivedMediaClient,
  ListFragmentsCommand,
} from '@aws-sdk/client-kinesis-video-archived-media';
import { MkvReader } from '../../src/video/mkv/reader.js';
import { rawRequest } from '../helpers/https.js';
import { EXAMPLE_KEYS } from '../helpers/queue.js';
import { putMedia } from '../helpers/put-media.js';
import { tempDir } from '../helpers/tmp.js';
import { startTestVideo } from '../helpers/video.js';

const run = promisify(execFile);
const FRAMES = 75;

async function getBytes(url: string, agent: Agent): Promise<Buffer> {
  const res = await rawRequest(agent, url, { method: 'GET' });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return res.body;
}
const getText = async (url: string, agent: Agent) => (await getBytes(url, agent)).toString('utf8');

async function fixture(dir: string): Promise<Buffer> {
  const path = join(dir, 'in.mkv');
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '3'],
    ...['-c:v', 'libx264', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-bf', '0', '-g', '25'],
    ...['-keyint_min', '25', '-sc_threshold', '0', '-tune', 'zerolatency', '-write_crc32', '0'],
    ...['-f', 'matroska', '-live', '1', path],
  ]);
  return readFile(path);
}

/** Byte offsets where each Cluster starts (the reader's position when clusterStart comes out). */
function clusterOffsets(mkv: Buffer): number[] {
  const reader = new MkvReader();
  const offsets: number[] = [];
  for (let i = 0; i < mkv.length; i++) {
    for (const e of reader.push(mkv.subarray(i, i + 1))) if (e.type === 'clusterStart') offsets.push(i);
  }
  return offsets;
}

async function ffprobeFrames(target: string, caFile: string): Promise<{ codec: string; frames: number }> {
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-ca_file', caFile, '-tls_verify', '1', '-count_frames', '-select_streams', 'v'],
    ...['-show_entries', 'stream=codec_name,nb_read_frames', '-of', 'json', target],
  ]);
  const s = (JSON.parse(stdout) as { streams: { codec_name: string; nb_read_frames: string }[] }).streams[0];
  return { codec: s?.codec_name ?? '', frames: Number(s?.nb_read_frames ?? 0) };
}

test('PutMedia -> fragments -> HLS (LIVE, ON_DEMAND) and GetClip, read by ffprobe', async (t) => {
  const dir = await tempDir(t);
  const mkv = await fixture(dir);
  const video = await startTestVideo(t);
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, video.ca);
  const kvs = video.client();
  await kvs.send(
    new CreateStreamCommand({ StreamName: 'cam-1', DataRetentionInHours: 1, MediaType: 'video/h264' }),
  );
  const { DataEndpoint } = await kvs.send(
    new GetDataEndpointCommand({ StreamName: 'cam-1', APIName: 'PUT_MEDIA' }),
  );
  assert.equal(DataEndpoint, video.server.url);

  const start = Date.now() - 60_000;
  const call = await putMedia({
    endpoint: video.server.url,
    ca: video.ca,
    credentials: EXAMPLE_KEYS,
    stream: 'cam-1',
    producerStartMs: start,
  });
  call.write(mkv);
  const { status } = await call.end();
  assert.equal(status, 200);
  const kinds = call.acks.map((a) => a.EventType);
  assert.deepEqual(kinds, [
    'BUFFERING',
    'RECEIVED',
    'PERSISTED',
    'BUFFERING',
    'RECEIVED',
    'PERSISTED',
    'BUFFERING',
    'RECEIVED',
    'PERSISTED',
  ]);
  assert.deepEqual(
    call.acks.filter((a) => a.EventType === 'PERSISTED').map((a) => a.FragmentTimecode),
    [0, 1000, 2000],
  );
  const numbers = new Set(call.acks.map((a) => a.FragmentNumber));
  assert.equal(numbers.size, 3);

  const archived = new KinesisVideoArchivedMediaClient({
    endpoint: video.server.url,
    region: 'us-east-1',
    credentials: EXAMPLE_KEYS,
    maxAttempts: 1,
    requestHandler: { httpsAgent: video.agent },
  });
  t.after(() => archived.destroy());
  const listed = await archived.send(new ListFragmentsCommand({ StreamName: 'cam-1' }));
  assert.equal(listed.Fragments?.length, 3);
  assert.deepEqual(
    listed.Fragments?.map((f) => f.ProducerTimestamp?.getTime()),
    [start, start + 1000, start + 2000],
  );
  assert.ok(listed.Fragments?.every((f) => f.FragmentLengthInMilliseconds === 1000));

  const live = await archived.send(
    new GetHLSStreamingSessionURLCommand({ StreamName: 'cam-1', MaxMediaPlaylistFragmentResults: 5 }),
  );
  assert.match(live.HLSStreamingSessionURL ?? '', /\/hls\/v1\/getHLSMasterPlaylist\.m3u8\?SessionToken=/);
  const liveUrl = live.HLSStreamingSessionURL ?? '';
  const master = await getText(liveUrl, video.agent);
  assert.match(master, /CODECS="avc1\.42c0[0-9a-f]{2}",RESOLUTION=320x240/);
  const mediaUri = /^getHLSMediaPlaylist\.m3u8\?\S+$/m.exec(master)?.[0] ?? '';
  const livePlaylist = await getText(new URL(mediaUri, liveUrl).href, video.agent);
  assert.match(livePlaylist, /#EXT-X-MAP:URI="getMP4InitFragment\.mp4/);
  assert.equal((livePlaylist.match(/^#EXTINF:1\.000,$/gm) ?? []).length, 3);
  assert.doesNotMatch(livePlaylist, /#EXT-X-ENDLIST/);
  // (A LIVE playlist never ends, so ffprobe would wait for more; ON_DEMAND below reads the same segments.)
  const init = await getBytes(
    new URL(/URI="([^"]+)"/.exec(livePlaylist)?.[1] ?? '', liveUrl).href,
    video.agent,
  );
  assert.equal(init.subarray(4, 8).toString('latin1'), 'ftyp');

  const onDemand = await archived.send(
    new GetHLSStreamingSessionURLCommand({
      StreamName: 'cam-1',
      PlaybackMode: 'ON_DEMAND',
      HLSFragmentSelector: {
        FragmentSelectorType: 'PRODUCER_TIMESTAMP',
        TimestampRange: { StartTimestamp: new Date(start + 1000), EndTimestamp: new Date(start + 2000) },
      },
    }),
  );
  assert.deepEqual(await ffprobeFrames(onDemand.HLSStreamingSessionURL ?? '', caFile), {
    codec: 'h264',
    frames: 50,
  });

  const clip = await archived.send(
    new GetClipCommand({
      StreamName: 'cam-1',
      ClipFragmentSelector: {
        FragmentSelectorType: 'PRODUCER_TIMESTAMP',
        TimestampRange: { StartTimestamp: new Date(start), EndTimestamp: new Date(start + 5000) },
      },
    }),
  );
  assert.equal(clip.ContentType, 'video/mp4');
  await writeFile(
    join(dir, 'clip.mp4'),
    await (clip.Payload?.transformToByteArray() ?? Promise.resolve(new Uint8Array())),
  );
  assert.deepEqual(await ffprobeFrames(join(dir, 'clip.mp4'), caFile), { codec: 'h264', frames: FRAMES });

  // Refusals: no retention, MPEG-TS, a stream that does not exist.
  await kvs.send(new CreateStreamCommand({ StreamName: 'no-keep', DataRetentionInHours: 0 }));
  await assert.rejects(archived.send(new GetHLSStreamingSessionURLCommand({ StreamName: 'no-keep' })), {
    name: 'NoDataRetentionException',
  });
  await assert.rejects(
    archived.send(new GetHLSStreamingSessionURLCommand({ StreamName: 'cam-1', ContainerFormat: 'MPEG_TS' })),
    { name: 'InvalidArgumentException' },
  );
  await assert.rejects(archived.send(new ListFragmentsCommand({ StreamName: 'nope' })), {
    name: 'ResourceNotFoundException',
  });
});

test('a malformed body gets ERROR 4006 and the stream goes on; a drop mid-fragment loses only that fragment', async (t) => {
  const dir = await tempDir(t);
  const mkv = await fixture(dir);
  const offsets = clusterOffsets(mkv);
  assert.equal(offsets.length, 3);
  const video = await startTestVideo(t);
  const kvs = video.client();
  await kvs.send(new CreateStreamCommand({ StreamName: 'cam-2', DataRetentionInHours: 1 }));
  const base = { endpoint: video.server.url, ca: video.ca, credentials: EXAMPLE_KEYS, stream: 'cam-2' };
  const t0 = Date.now() - 600_000;

  // Garbage after the first cluster: that fragment is kept, then ERROR and the end of the request.
  const bad = await putMedia({ ...base, producerStartMs: t0 });
  bad.write(Buffer.concat([mkv.subarray(0, offsets[1]), Buffer.from([0x1f, 0x43, 0xb6, 0x75, 0x00])]));
  const badEnd = await bad.end();
  assert.equal(badEnd.status, 200);
  const error = bad.acks.find((a) => a.EventType === 'ERROR');
  assert.equal(error?.ErrorId, 4006);
  assert.equal(error?.ErrorCode, 'INVALID_MKV_DATA');
  assert.equal(bad.acks.filter((a) => a.EventType === 'PERSISTED').length, 1);

  // Going back in time is refused (4004); going on is not.
  const back = await putMedia({ ...base, producerStartMs: t0 - 10_000 });
  back.write(mkv);
  await back.end();
  assert.equal(back.acks.find((a) => a.EventType === 'ERROR')?.ErrorId, 4004);
  const good = await putMedia({ ...base, producerStartMs: t0 + 10_000 });
  good.write(mkv);
  await good.end();
  assert.equal(good.acks.filter((a) => a.EventType === 'PERSISTED').length, 3);
  assert.equal(good.acks.filter((a) => a.EventType === 'ERROR').length, 0);

  // Dropped in the middle of the second fragment: the first is kept, the second is not.
  const dropped = await putMedia({ ...base, producerStartMs: t0 + 20_000 });
  const middle = Math.floor(((offsets[1] ?? 0) + (offsets[2] ?? 0)) / 2);
  dropped.write(mkv.subarray(0, middle));
  await dropped.ack((a) => a.EventType === 'PERSISTED');
  await dropped.ack((a) => a.EventType === 'BUFFERING' && a.FragmentTimecode === 1000);
  dropped.destroy();
  await dropped.done.catch(() => undefined);

  const archived = new KinesisVideoArchivedMediaClient({
    endpoint: video.server.url,
    region: 'us-east-1',
    credentials: EXAMPLE_KEYS,
    maxAttempts: 1,
    requestHandler: { httpsAgent: video.agent },
  });
  t.after(() => archived.destroy());
  // The stream is free again once the server has seen the drop: a new PutMedia is admitted.
  const after = await putMedia({ ...base, producerStartMs: t0 + 30_000 });
  after.write(mkv.subarray(0, offsets[1]));
  await after.end();
  const { Fragments } = await archived.send(new ListFragmentsCommand({ StreamName: 'cam-2' }));
  const starts = (Fragments ?? []).map((f) => (f.ProducerTimestamp?.getTime() ?? 0) - t0);
  assert.deepEqual(starts, [0, 10_000, 11_000, 12_000, 20_000, 30_000]);
});
