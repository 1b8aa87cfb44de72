/**
 * A movie fragment (ISO/IEC 14496-12 §8.8): optional styp, then moof (mfhd sequence number; traf with
 * tfhd default-base-is-moof, a 64-bit tfdt baseMediaDecodeTime, and a trun giving every sample's
 * duration, size and flags plus the data offset into mdat), then mdat with the sample bytes unchanged.
 * An HLS fMP4 media segment, and one fragment of a fragmented MP4 file.
 */
import { H264Error } from '../h264/errors.js';
import { splitLengthPrefixed, type LengthSize } from '../h264/nal.js';
import { FieldWriter, box, boxHeader, concat, fullBox } from './boxes.js';
import { Mp4Error } from './errors.js';
import { resolveTrack, type ResolvedTrack, type VideoSample, type VideoTrack } from './sample.js';

export interface MediaSegmentOptions {
  /** mfhd sequence_number: 1 for the first fragment, increasing (§8.8.5). */
  readonly sequenceNumber: number;
  /** Start with an styp box (as HLS/DASH segments do); leave out inside a single MP4 file. Default true. */
  readonly styp?: boolean;
  /** Subtracted from every dts, e.g. to start a clip at 0. Default 0. */
  readonly baseDts?: number;
}

/**
 * Sample flags (§8.8.3.1): a sync sample depends on no other (sample_depends_on 2); any other sample
 * depends on others (1) and has sample_is_non_sync_sample set.
 */
export const SYNC_SAMPLE_FLAGS = 0x02000000;
export const NON_SYNC_SAMPLE_FLAGS = 0x01010000;

const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
const TRUN_DATA_OFFSET = 0x000001;
const TRUN_SAMPLE_DURATION = 0x000100;
const TRUN_SAMPLE_SIZE = 0x000200;
const TRUN_SAMPLE_FLAGS = 0x000400;

export function styp(): Uint8Array {
  return box('styp', new FieldWriter().fourcc('msdh').u32(0).fourcc('msdh').fourcc('msix').toBytes());
}

/**
 * Each sample's duration in the trun: the gap to the next sample's dts, so the fragment's timeline
 * matches the dts exactly even where a duration field disagrees; the last sample keeps its own.
 */
function sampleDurations(samples: readonly VideoSample[]): number[] {
  return samples.map((s, i) => {
    const next = samples[i + 1];
    return next === undefined ? s.duration : next.dts - s.dts;
  });
}

function checkSamples(samples: readonly VideoSample[], lengthSize: LengthSize, baseDts: number): void {
  if (samples.length === 0) throw new Mp4Error('MP4_SAMPLES_INVALID', 'a fragment needs at least one sample');
  let previous = -Infinity;
  samples.forEach((s, i) => {
    if (!Number.isSafeInteger(s.dts) || s.dts < baseDts) {
      throw new Mp4Error('MP4_SAMPLES_INVALID', `sample ${i}: dts ${s.dts} is not an integer >= ${baseDts}`);
    }
    if (s.dts <= previous) {
      throw new Mp4Error('MP4_SAMPLES_INVALID', `sample ${i}: dts ${s.dts} does not follow ${previous}`);
    }
    if (!Number.isSafeInteger(s.duration) || s.duration < 0 || s.duration > 0xffffffff) {
      throw new Mp4Error('MP4_SAMPLES_INVALID', `sample ${i}: duration ${s.duration}`);
    }
    try {
      if (splitLengthPrefixed(s.data, lengthSize).length === 0)
        throw new H264Error('H264_NAL_INVALID', 'no NALs');
    } catch (err) {
      if (err instanceof H264Error) {
        throw new Mp4Error(
          'MP4_SAMPLES_INVALID',
          `sample ${i}: not ${lengthSize}-byte length-prefixed NALs: ${err.message}`,
        );
      }
      throw err;
    }
    previous = s.dts;
  });
}

function moofBox(
  t: ResolvedTrack,
  samples: readonly VideoSample[],
  options: MediaSegmentOptions,
  dataOffset: number,
): Uint8Array {
  const mfhd = fullBox('mfhd', 0, 0, new FieldWriter().u32(options.sequenceNumber).toBytes());
  const tfhd = fullBox('tfhd', 0, TFHD_DEFAULT_BASE_IS_MOOF, new FieldWriter().u32(t.trackId).toBytes());
  const first = samples[0]?.dts ?? 0;
  const tfdt = fullBox('tfdt', 1, 0, new FieldWriter().u64(first - (options.baseDts ?? 0)).toBytes());
  const w = new FieldWriter().u32(samples.length).i32(dataOffset);
  const durations = sampleDurations(samples);
  samples.forEach((s, i) => {
    w.u32(durations[i] ?? 0)
      .u32(s.data.length)
      .u32(s.keyframe ? SYNC_SAMPLE_FLAGS : NON_SYNC_SAMPLE_FLAGS);
  });
  const flags = TRUN_DATA_OFFSET | TRUN_SAMPLE_DURATION | TRUN_SAMPLE_SIZE | TRUN_SAMPLE_FLAGS;
  const trun = fullBox('trun', 0, flags, w.toBytes());
  return box('moof', mfhd, box('traf', tfhd, tfdt, trun));
}

/** [styp] + moof + mdat for samples in decode order, timed by their dts (see sampleDurations). */
export function buildMediaSegment(
  track: VideoTrack | ResolvedTrack,
  samples: readonly VideoSample[],
  options: MediaSegmentOptions,
): Uint8Array {
  const t = resolveTrack(track);
  const seq = options.sequenceNumber;
  if (!Number.isSafeInteger(seq) || seq < 1 || seq > 0xffffffff) {
    throw new Mp4Error('MP4_VALUE_INVALID', `sequence number ${seq} is not in 1..2^32-1`);
  }
  checkSamples(samples, t.config.lengthSize, options.baseDts ?? 0);
  const payload = samples.reduce((n, s) => n + s.data.length, 0);
  const mdatHeader = boxHeader('mdat', payload);
  // The data offset counts from the first byte of moof (default-base-is-moof) to the first sample;
  // the moof's own size does not depend on the offset's value, so measure it once with 0.
  const moofSize = moofBox(t, samples, options, 0).length;
  const moof = moofBox(t, samples, options, moofSize + mdatHeader.length);
  return concat([
    ...(options.styp === false ? [] : [styp()]),
    moof,
    mdatHeader,
    ...samples.map((s) => s.data),
  ]);
}
