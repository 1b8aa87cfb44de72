/**
 * Interop with ffmpeg/ffprobe: a libx264 Annex B stream is split into access units, turned into
 * AVCC samples with an avcC built from its SPS/PPS, then written (a) as HLS (init + one fMP4 segment per
 * GOP, media and master playlists) and (b) as a clip MP4; ffprobe must read all 75 frames from both,
 * and ffmpeg must decode the clip to exactly the pictures of the original stream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { groupAccessUnits, splitAnnexB } from '../h264/annexb.js';
import { buildAvcc, codecString } from '../h264/avcc.js';
import { NalType, nalType, toLengthPrefixed } from '../h264/nal.js';
import { buildInitSegment } from '../mp4/init-segment.js';
import { buildMediaSegment } from '../mp4/media-segment.js';
import { buildMp4File, splitAtKeyframes } from '../mp4/mp4-file.js';
import type { VideoSample, VideoTrack } from '../mp4/sample.js';
import { buildMasterPlaylist, buildMediaPlaylist } from './playlists.js';

const run = promisify(execFile);

interface ProbeStream {
  codec_name?: string;
  width?: number;
  height?: number;
  nb_read_frames?: string;
}
interface Probe {
  streams?: ProbeStream[];
  format?: { duration?: string };
}

/** ffprobe with space-separated options (none contains a space) on one input; its stdout. */
async function ffprobe(options: string, input: string): Promise<string> {
  const { stdout } = await run('ffprobe', ['-v', 'error', ...options.split(' '), input]);
  return stdout;
}

async function probe(options: string, input: string): Promise<Probe> {
  return JSON.parse(await ffprobe(`${options} -of json`, input)) as Probe;
}

/** MD5 of the decoded pictures. */
async function md5(input: string): Promise<string> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', input, '-map', '0:v', '-f', 'md5', '-']);
  return stdout.trim();
}

const STREAM_ENTRIES = 'stream=codec_name,width,height,nb_read_frames';

test('ffmpeg and ffprobe read our fMP4 HLS and clip MP4', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'camlink-mp4-'));
  t.after(() => rm(dir, { recursive: true, force: true }));

  // The brief's stream: 3 s of 320x240 at 25 fps, baseline, a keyframe every 25 frames, AUDs inserted.
  const h264 = join(dir, 'out.h264');
  const encode = `-v error -f lavfi -i testsrc=size=320x240:rate=25 -t 3 -c:v libx264 -profile:v baseline
    -pix_fmt yuv420p -bf 0 -g 25 -keyint_min 25 -sc_threshold 0 -bsf:v h264_metadata=aud=insert -f h264`;
  await run('ffmpeg', [...encode.split(/\s+/), h264]);

  const units = groupAccessUnits(splitAnnexB(await readFile(h264)));
  assert.equal(units.length, 75);
  assert.ok(units.every((u) => u[0] !== undefined && nalType(u[0]) === NalType.AUD));
  const all = units.flat();
  const sps = all.filter((n) => nalType(n) === NalType.SPS).slice(0, 1);
  const pps = all.filter((n) => nalType(n) === NalType.PPS).slice(0, 1);
  const avcc = buildAvcc({ sps, pps });
  assert.match(codecString(avcc), /^avc1\.42c0[0-9a-f]{2}$/);

  const track: VideoTrack = { codecPrivate: avcc, timescale: 1000 }; // ms, as Matroska stores them
  const samples: VideoSample[] = units.map((nals, i) => ({
    data: toLengthPrefixed(nals.filter((n) => nalType(n) !== NalType.AUD)),
    dts: 1_000_000 + i * 40, // not starting at 0, as producer timestamps never do
    duration: 40,
    keyframe: nals.some((n) => nalType(n) === NalType.IDR),
  }));

  await t.test('(a) HLS: init + one segment per GOP, media and master playlists', async () => {
    const gops = splitAtKeyframes(samples);
    assert.equal(gops.length, 3);
    await writeFile(join(dir, 'init.mp4'), buildInitSegment(track));
    const segments = [];
    for (const [i, gop] of gops.entries()) {
      const uri = `segment-${i + 1}.m4s`;
      await writeFile(join(dir, uri), buildMediaSegment(track, gop, { sequenceNumber: i + 1 }));
      const first = gop[0]?.dts ?? 0;
      const last = gop[gop.length - 1];
      const end = (last?.dts ?? 0) + (last?.duration ?? 0);
      segments.push({ uri, duration: (end - first) / 1000, programDateTime: new Date(first) });
    }
    const media = buildMediaPlaylist({ mode: 'ON_DEMAND', mapUri: 'init.mp4', mediaSequence: 0, segments });
    await writeFile(join(dir, 'media.m3u8'), media);
    const master = buildMasterPlaylist([
      { uri: 'media.m3u8', bandwidth: 200_000, codecs: [codecString(avcc)], width: 320, height: 240 },
    ]);
    await writeFile(join(dir, 'master.m3u8'), master);

    // The default hls demuxer options suffice: .m4s and .mp4 are allowed extensions, file: is the input's.
    const result = await probe(
      `-count_frames -select_streams v -show_entries ${STREAM_ENTRIES}`,
      join(dir, 'master.m3u8'),
    );
    const stream = result.streams?.[0];
    assert.deepEqual(
      [stream?.codec_name, stream?.width, stream?.height, stream?.nb_read_frames],
      ['h264', 320, 240, '75'],
    );
  });

  await t.test('(b) clip MP4: 75 frames, 3 s, the same pictures as the Annex B stream', async () => {
    const clip = join(dir, 'clip.mp4');
    await writeFile(clip, buildMp4File(track, samples));
    const result = await probe(
      `-count_frames -select_streams v -show_entries ${STREAM_ENTRIES}:format=duration`,
      clip,
    );
    const stream = result.streams?.[0];
    assert.deepEqual(
      [stream?.codec_name, stream?.width, stream?.height, stream?.nb_read_frames],
      ['h264', 320, 240, '75'],
    );
    assert.ok(Math.abs(Number(result.format?.duration) - 3) < 0.05, `duration ${result.format?.duration}`);
    assert.equal(await md5(clip), await md5(h264));

    // Sync samples are exactly the IDRs: ffprobe flags packets 0, 25 and 50 as keyframes.
    const flags = (await ffprobe('-select_streams v -show_entries packet=flags -of csv=p=0', clip))
      .trim()
      .split('\n');
    assert.equal(flags.length, 75);
    assert.deepEqual(
      flags.flatMap((f, i) => (f.startsWith('K') ? [i] : [])),
      [0, 25, 50],
    );
  });
});
