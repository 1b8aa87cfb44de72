/**
 * A complete, playable MP4 for a clip (what KVS GetClip returns): a fragmented MP4 (ISO/IEC 14496-12
 * §8.8) made of the initialization segment, with mehd giving the total duration, and one movie fragment
 * per GOP. Times are rebased so the clip starts at 0. No styp: it is one file, not a segment stream.
 */
import { concat } from './boxes.js';
import { Mp4Error } from './errors.js';
import { buildInitSegment } from './init-segment.js';
import { buildMediaSegment } from './media-segment.js';
import { resolveTrack, type VideoSample, type VideoTrack } from './sample.js';

/** Splits samples into GOPs: a new group at every keyframe (samples before the first one form a group). */
export function splitAtKeyframes(samples: readonly VideoSample[]): VideoSample[][] {
  const groups: VideoSample[][] = [];
  for (const s of samples) {
    const last = groups[groups.length - 1];
    if (last === undefined || s.keyframe) groups.push([s]);
    else last.push(s);
  }
  return groups;
}

/** The clip as one MP4 file; the first sample should be a keyframe for players to start cleanly. */
export function buildMp4File(track: VideoTrack, samples: readonly VideoSample[]): Uint8Array {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (first === undefined || last === undefined)
    throw new Mp4Error('MP4_SAMPLES_INVALID', 'a clip needs samples');
  const t = resolveTrack(track);
  const baseDts = first.dts;
  const duration = last.dts + last.duration - baseDts;
  const parts = [buildInitSegment(t, { duration })];
  splitAtKeyframes(samples).forEach((gop, i) => {
    parts.push(buildMediaSegment(t, gop, { sequenceNumber: i + 1, styp: false, baseDts }));
  });
  return concat(parts);
}
