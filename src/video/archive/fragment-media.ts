/**
 * A stored fragment (the self-contained MKV the ingest writes: header + one Cluster) read back as the
 * fMP4 writers take it: the H.264 track (avcC codec private) and its samples in milliseconds. The last
 * frame's duration is not in the file; it is the fragment's recorded duration minus the span of the
 * others (or the typical frame spacing).
 */
import { readFile } from 'node:fs/promises';
import { MkvReader } from '../mkv/reader.js';
import type { MkvTrack } from '../mkv/events.js';
import type { VideoSample, VideoTrack } from '../mp4/sample.js';
import type { Fragment } from '../fragments.js';

export const MEDIA_TIMESCALE = 1000;

export interface FragmentMedia {
  readonly track: VideoTrack;
  readonly mkvTrack: MkvTrack;
  readonly samples: VideoSample[];
}

export async function readFragmentMedia(fragment: Fragment): Promise<FragmentMedia> {
  const reader = new MkvReader();
  const events = [...reader.push(await readFile(fragment.file)), ...reader.end()];
  let mkvTrack: MkvTrack | undefined;
  const frames: { time: number; keyframe: boolean; data: Uint8Array }[] = [];
  for (const e of events) {
    if (e.type === 'tracks') mkvTrack = e.tracks[0];
    else if (e.type === 'frame' && e.track === mkvTrack?.number) {
      frames.push({ time: e.timecode, keyframe: e.keyframe, data: e.data });
    }
  }
  if (mkvTrack === undefined) throw new Error(`fragment ${fragment.number} has no track`);
  const samples: VideoSample[] = frames.map((f, i) => {
    const next = frames[i + 1];
    const spacing =
      frames.length > 1
        ? Math.round(((frames.at(-1)?.time ?? 0) - (frames[0]?.time ?? 0)) / (frames.length - 1))
        : 0;
    const lastDuration = Math.max(
      1,
      fragment.durationMs - ((frames.at(-1)?.time ?? 0) - (frames[0]?.time ?? 0)),
      spacing,
    );
    return {
      data: f.data,
      dts: f.time,
      duration: next === undefined ? lastDuration : Math.max(1, next.time - f.time),
      keyframe: f.keyframe,
    };
  });
  return {
    mkvTrack,
    track: {
      codecPrivate: mkvTrack.codecPrivate,
      ...(mkvTrack.width !== undefined && mkvTrack.width > 1 ? { width: mkvTrack.width } : {}),
      ...(mkvTrack.height !== undefined && mkvTrack.height > 1 ? { height: mkvTrack.height } : {}),
      timescale: MEDIA_TIMESCALE,
    },
    samples,
  };
}
