/**
 * From Matroska events to Kinesis Video fragments (API_dataplane_PutMedia): each Cluster is one
 * fragment. It enforces what KVS enforces on a PutMedia stream: Tracks before the first Cluster, at
 * most 3 tracks, frames only of declared tracks, every track present in every fragment, a fragment at
 * most 50 MB and 10 s long, and each fragment's first frame later than the previous fragment's last
 * frame (producer timestamps, across connections of the same stream). A violation is a
 * PutMediaFailure with KVS's ErrorId; the fragment it happens in is not kept.
 */
import type { MkvEvent, MkvTrack } from '../mkv/events.js';
import { PutMediaFailure } from './acks.js';

export interface FragmenterLimits {
  readonly maxFragmentBytes: number;
  readonly maxFragmentMs: number;
}

/** KVS: "a fragment can't be longer than 10 seconds or larger than 50 MB". */
export const KVS_FRAGMENT_LIMITS: FragmenterLimits = {
  maxFragmentBytes: 50 * 1024 * 1024,
  maxFragmentMs: 10_000,
};

export interface FragmentFrame {
  readonly track: number;
  /** Producer time, milliseconds. */
  readonly timeMs: number;
  readonly keyframe: boolean;
  readonly data: Uint8Array;
}

export interface AssembledFragment {
  /** The Cluster's timecode in milliseconds, as the producer wrote it (what acks report). */
  readonly timecodeMs: number;
  /** Producer timestamp of the fragment (its first frame), milliseconds since the epoch. */
  readonly producerTimestampMs: number;
  readonly durationMs: number;
  readonly sizeBytes: number;
  readonly tracks: readonly MkvTrack[];
  readonly frames: readonly FragmentFrame[];
}

export type FragmenterOutput =
  | { readonly type: 'buffering'; readonly timecodeMs: number }
  | { readonly type: 'fragment'; readonly fragment: AssembledFragment };

export interface FragmenterOptions {
  /** ABSOLUTE: timecodes are producer times; RELATIVE: they count from producerStartMs. */
  readonly timecodeType: 'ABSOLUTE' | 'RELATIVE';
  readonly producerStartMs: number;
  /** The last frame time of the stream's previous fragment (from earlier connections). */
  readonly previousLastFrameMs: number | undefined;
  readonly limits?: FragmenterLimits;
}

interface Building {
  readonly timecodeMs: number;
  readonly frames: FragmentFrame[];
  size: number;
}

export class Fragmenter {
  private timecodeScaleNs = 1_000_000;
  private tracks: readonly MkvTrack[] | undefined;
  private current: Building | undefined;
  private lastFrameMs: number | undefined;
  private readonly limits: FragmenterLimits;

  constructor(private readonly options: FragmenterOptions) {
    this.limits = options.limits ?? KVS_FRAGMENT_LIMITS;
    this.lastFrameMs = options.previousLastFrameMs;
  }

  /** The last frame time of the last fragment handed out (for the next connection's check). */
  get lastFragmentFrameMs(): number | undefined {
    return this.lastFrameMs;
  }

  push(event: MkvEvent): FragmenterOutput[] {
    switch (event.type) {
      case 'info':
        this.timecodeScaleNs = event.timecodeScale;
        return [];
      case 'tracks':
        if (event.tracks.length > 3) {
          throw new PutMediaFailure(
            'MORE_THAN_ALLOWED_TRACKS_FOUND',
            `${event.tracks.length} tracks; at most 3`,
          );
        }
        if (event.tracks.length === 0)
          throw new PutMediaFailure('INVALID_MKV_DATA', 'Tracks has no TrackEntry');
        this.tracks = event.tracks;
        return [];
      case 'clusterStart': {
        if (this.tracks === undefined) {
          throw new PutMediaFailure('INVALID_MKV_DATA', 'a Cluster before the Tracks element');
        }
        const out = this.finish();
        const timecodeMs = this.toMs(event.timecode);
        this.current = { timecodeMs, frames: [], size: 0 };
        return [...out, { type: 'buffering', timecodeMs }];
      }
      case 'frame':
        this.frame(event.track, event.timecode, event.keyframe, event.data);
        return [];
      case 'clusterEnd':
      case 'segmentEnd':
        return this.finish();
      default:
        return [];
    }
  }

  /** The body ended cleanly: the open fragment is complete. */
  end(): FragmenterOutput[] {
    return this.finish();
  }

  private frame(track: number, timecode: number, keyframe: boolean, data: Uint8Array): void {
    const building = this.current;
    if (building === undefined) throw new PutMediaFailure('INVALID_MKV_DATA', 'a frame outside a Cluster');
    if (!this.tracks?.some((t) => t.number === track)) {
      throw new PutMediaFailure(
        'TRACK_NUMBER_MISMATCH',
        `a frame of track ${track}, which Tracks does not declare`,
        building.timecodeMs,
      );
    }
    const timeMs = this.producerMs(this.toMs(timecode));
    const first = building.frames[0];
    if (first === undefined && this.lastFrameMs !== undefined && timeMs <= this.lastFrameMs) {
      throw new PutMediaFailure(
        'FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS',
        `the fragment starts at ${timeMs} ms, not after the previous fragment's last frame at ${this.lastFrameMs} ms`,
        building.timecodeMs,
      );
    }
    if (first !== undefined && timeMs - first.timeMs > this.limits.maxFragmentMs) {
      throw new PutMediaFailure(
        'MAX_FRAGMENT_DURATION_REACHED',
        `the fragment is longer than ${this.limits.maxFragmentMs / 1000} s`,
        building.timecodeMs,
      );
    }
    building.size += data.length;
    if (building.size > this.limits.maxFragmentBytes) {
      throw new PutMediaFailure(
        'MAX_FRAGMENT_SIZE_REACHED',
        `the fragment is larger than ${this.limits.maxFragmentBytes} bytes`,
        building.timecodeMs,
      );
    }
    building.frames.push({ track, timeMs, keyframe, data });
  }

  private finish(): FragmenterOutput[] {
    const building = this.current;
    this.current = undefined;
    if (building === undefined || building.frames.length === 0) return [];
    const tracks = this.tracks ?? [];
    for (const t of tracks) {
      if (!building.frames.some((f) => f.track === t.number)) {
        throw new PutMediaFailure(
          'FRAMES_MISSING_FOR_TRACK',
          `track ${t.number} has no frame in the fragment at ${building.timecodeMs} ms`,
          building.timecodeMs,
        );
      }
    }
    const times = building.frames.map((f) => f.timeMs);
    const start = Math.min(...times);
    const last = Math.max(...times);
    this.lastFrameMs = last;
    return [
      {
        type: 'fragment',
        fragment: {
          timecodeMs: building.timecodeMs,
          producerTimestampMs: start,
          durationMs: last - start + frameInterval(building.frames),
          sizeBytes: building.size,
          tracks,
          frames: building.frames,
        },
      },
    ];
  }

  private toMs(timecode: number): number {
    return Math.round((timecode * this.timecodeScaleNs) / 1_000_000);
  }

  private producerMs(ms: number): number {
    return this.options.timecodeType === 'RELATIVE' ? this.options.producerStartMs + ms : ms;
  }
}

/** The typical spacing of the first track's frames: the last frame's duration is not in the file. */
function frameInterval(frames: readonly FragmentFrame[]): number {
  const track = frames[0]?.track;
  const times = frames.filter((f) => f.track === track).map((f) => f.timeMs);
  if (times.length < 2) return 0;
  const first = times[0] ?? 0;
  const last = times[times.length - 1] ?? 0;
  return Math.round((last - first) / (times.length - 1));
}
