import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { MkvEvent, MkvTrack } from './events.js';
import { readPieces } from './testing.js';
import { Id } from './ids.js';
import { concat } from './values.js';
import { decodeSize, encodeId } from './vint.js';
import { mkvCluster, mkvHeader, type MkvFrameSpec } from './writer.js';

const run = promisify(execFile);

const ENCODE = [
  ...['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '3'],
  ...['-c:v', 'libx264', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-bf', '0'],
  ...['-g', '25', '-keyint_min', '25', '-sc_threshold', '0', '-tune', 'zerolatency', '-f', 'matroska'],
];

// ffmpeg's live mode leaves the Segment's size unknown (its Clusters are still sized); the writer's
// unknown-size Clusters meet ffmpeg in the ffprobe test below.
const VARIANTS: { name: string; args: string[]; crc: boolean; segmentSize: 'known' | 'unknown' }[] = [
  { name: 'live, unknown-size Segment', args: ['-live', '1'], crc: true, segmentSize: 'unknown' },
  { name: 'seekable, with the default CRC-32 elements', args: [], crc: true, segmentSize: 'known' },
  { name: 'seekable, without CRC-32', args: ['-write_crc32', '0'], crc: false, segmentSize: 'known' },
];

/** Whether the first Cluster's first child is a CRC-32 element. */
function firstClusterHasCrc(bytes: Uint8Array): boolean {
  const at = bytes.findIndex((_, i) => encodeId(Id.Cluster).every((b, j) => bytes[i + j] === b));
  const size = decodeSize(bytes, at + 4);
  return at >= 0 && size !== undefined && bytes[at + 4 + size.length] === Id.CRC32;
}

interface Cluster {
  timecode: number;
  frames: MkvFrameSpec[];
}

function summarize(events: readonly MkvEvent[]): { tracks: readonly MkvTrack[]; clusters: Cluster[] } {
  let tracks: readonly MkvTrack[] = [];
  const clusters: Cluster[] = [];
  for (const e of events) {
    if (e.type === 'tracks') tracks = e.tracks;
    else if (e.type === 'clusterStart') clusters.push({ timecode: e.timecode, frames: [] });
    else if (e.type === 'frame') {
      const current = clusters.at(-1);
      assert.ok(current, 'a frame outside a Cluster');
      current.frames.push({
        data: e.data,
        relativeTimecode: e.timecode - current.timecode,
        keyframe: e.keyframe,
      });
    }
  }
  return { tracks, clusters };
}

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'camlink-mkv-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

for (const variant of VARIANTS) {
  test(`reads ffmpeg's Matroska: ${variant.name}`, async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'out.mkv');
    await run('ffmpeg', [...ENCODE, ...variant.args, file]);
    const bytes = await readFile(file);
    const events = readPieces(bytes, [1, 2, 3, 50, 51, 1000, 20000]);
    const { tracks, clusters } = summarize(events);
    assert.equal(firstClusterHasCrc(bytes), variant.crc);
    const start = events.find((e) => e.type === 'segmentStart');
    assert.equal(
      start?.type === 'segmentStart' && start.size === null ? 'unknown' : 'known',
      variant.segmentSize,
    );

    assert.equal(tracks.length, 1);
    const [track] = tracks;
    assert.equal(track?.codecId, 'V_MPEG4/ISO/AVC');
    assert.equal(track?.type, 1);
    assert.equal(track?.codecPrivate[0], 0x01, 'CodecPrivate is an avcC record');
    assert.equal(track?.width, 320);
    assert.equal(track?.height, 240);
    assert.equal(clusters.length, 3);
    for (const c of clusters)
      assert.equal(c.frames[0]?.keyframe, true, `cluster at ${c.timecode} starts with a keyframe`);
    assert.equal(
      clusters.reduce((n, c) => n + c.frames.length, 0),
      75,
    );
    assert.equal(events.at(-1)?.type, 'segmentEnd');
  });
}

test("ffprobe reads what the writer makes of ffmpeg's frames", async (t) => {
  const dir = await tempDir(t);
  const source = join(dir, 'source.mkv');
  await run('ffmpeg', [...ENCODE, '-live', '1', source]);
  const { tracks, clusters } = summarize(readPieces(await readFile(source)));
  const [track] = tracks;
  assert.ok(track);

  const rewritten = concat([
    mkvHeader({ codecPrivate: track.codecPrivate, width: track.width ?? 0, height: track.height ?? 0 }),
    ...clusters.map((c) => mkvCluster(c.timecode, c.frames)),
  ]);
  const out = join(dir, 'camlink.mkv');
  await writeFile(out, rewritten);
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-count_frames', '-select_streams', 'v'],
    ...['-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', out],
  ]);
  const probe = JSON.parse(stdout) as {
    streams?: { codec_name?: string; width?: number; height?: number; nb_read_frames?: string }[];
  };
  assert.deepEqual(probe.streams, [{ codec_name: 'h264', width: 320, height: 240, nb_read_frames: '75' }]);

  // And our reader reads it back to the same clusters.
  assert.deepEqual(summarize(readPieces(rewritten)).clusters, clusters);
});
