/**
 * The initialization segment of a fragmented MP4 (ISO/IEC 14496-12 §8.8, with the AVC sample entry of
 * ISO/IEC 14496-15 §5.4): ftyp + moov with one H.264 video track whose sample tables are empty, and mvex
 * announcing that the samples come in movie fragments. This is what an HLS EXT-X-MAP points at.
 */
import { FieldWriter, box, fullBox } from './boxes.js';
import { resolveTrack, type ResolvedTrack, type VideoTrack } from './sample.js';

export interface InitSegmentOptions {
  /** Total duration in track timescale ticks, written as mehd (and mvhd/tkhd/mdhd) when known. */
  readonly duration?: number;
}

/** 3x3 unity transformation matrix of mvhd and tkhd (§8.2.2, §8.3.2). */
const UNITY_MATRIX = [0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000];

function matrix(w: FieldWriter): FieldWriter {
  for (const v of UNITY_MATRIX) w.u32(v);
  return w;
}

export function ftyp(): Uint8Array {
  const w = new FieldWriter().fourcc('iso6').u32(0);
  for (const brand of ['iso6', 'isom', 'mp41', 'avc1']) w.fourcc(brand);
  return box('ftyp', w.toBytes());
}

function mvhd(t: ResolvedTrack, duration: number): Uint8Array {
  const w = new FieldWriter().u32(0).u32(0).u32(t.timescale).u32(duration);
  w.u32(0x10000).u16(0x100).zeros(10); // rate 1.0, volume 1.0, reserved
  matrix(w).zeros(24); // pre_defined
  w.u32(t.trackId + 1); // next_track_ID
  return fullBox('mvhd', 0, 0, w.toBytes());
}

function tkhd(t: ResolvedTrack, duration: number): Uint8Array {
  const w = new FieldWriter().u32(0).u32(0).u32(t.trackId).u32(0).u32(duration);
  w.zeros(8).u16(0).u16(0).u16(0).u16(0); // reserved, layer, alternate_group, volume (0: video), reserved
  matrix(w).fixed16(t.width).fixed16(t.height);
  return fullBox('tkhd', 0, 0x000003, w.toBytes()); // track_enabled | track_in_movie
}

function mdhd(t: ResolvedTrack, duration: number): Uint8Array {
  // language 'und' packed as three 5-bit letters minus 0x60.
  const und = ((0x75 - 0x60) << 10) | ((0x6e - 0x60) << 5) | (0x64 - 0x60);
  const w = new FieldWriter().u32(0).u32(0).u32(t.timescale).u32(duration).u16(und).u16(0);
  return fullBox('mdhd', 0, 0, w.toBytes());
}

function hdlr(): Uint8Array {
  const name = new TextEncoder().encode('VideoHandler\0');
  return fullBox('hdlr', 0, 0, new FieldWriter().u32(0).fourcc('vide').zeros(12).bytes(name).toBytes());
}

function avc1(t: ResolvedTrack): Uint8Array {
  const w = new FieldWriter().zeros(6).u16(1); // reserved, data_reference_index
  w.u16(0).u16(0).zeros(12); // pre_defined, reserved, pre_defined
  w.u16(t.width).u16(t.height).u32(0x480000).u32(0x480000).u32(0).u16(1); // 72 dpi, frame_count 1
  w.zeros(32).u16(0x18).u16(0xffff); // compressorname (empty), depth 24, pre_defined -1
  return box('avc1', w.toBytes(), box('avcC', t.codecPrivate));
}

function stbl(t: ResolvedTrack): Uint8Array {
  const empty = new FieldWriter().u32(0).toBytes();
  return box(
    'stbl',
    fullBox('stsd', 0, 0, new FieldWriter().u32(1).toBytes(), avc1(t)),
    fullBox('stts', 0, 0, empty),
    fullBox('stsc', 0, 0, empty),
    fullBox('stsz', 0, 0, new FieldWriter().u32(0).u32(0).toBytes()),
    fullBox('stco', 0, 0, empty),
  );
}

function minf(t: ResolvedTrack): Uint8Array {
  const vmhd = fullBox('vmhd', 0, 1, new FieldWriter().u16(0).u16(0).u16(0).u16(0).toBytes());
  const url = fullBox('url ', 0, 1); // flag 1: media data is in this file
  const dinf = box('dinf', fullBox('dref', 0, 0, new FieldWriter().u32(1).toBytes(), url));
  return box('minf', vmhd, dinf, stbl(t));
}

function mvex(t: ResolvedTrack, duration: number | undefined): Uint8Array {
  const trex = fullBox(
    'trex',
    0,
    0,
    new FieldWriter().u32(t.trackId).u32(1).u32(0).u32(0).u32(0).toBytes(), // sample description 1
  );
  if (duration === undefined) return box('mvex', trex);
  return box('mvex', fullBox('mehd', 1, 0, new FieldWriter().u64(duration).toBytes()), trex);
}

/** moov for one video track; the durations are 0 ("unknown, see fragments") unless given. */
export function moov(track: VideoTrack | ResolvedTrack, options: InitSegmentOptions = {}): Uint8Array {
  const t = resolveTrack(track);
  const duration = options.duration ?? 0;
  // The 32-bit duration fields take 0 when the total does not fit; mehd (version 1) carries it in full.
  const short = duration <= 0xffffffff ? duration : 0;
  const mdia = box('mdia', mdhd(t, short), hdlr(), minf(t));
  return box('moov', mvhd(t, short), box('trak', tkhd(t, short), mdia), mvex(t, options.duration));
}

/** ftyp + moov: the bytes an HLS EXT-X-MAP or a DASH initialization URL serves. */
export function buildInitSegment(
  track: VideoTrack | ResolvedTrack,
  options: InitSegmentOptions = {},
): Uint8Array {
  const t = resolveTrack(track);
  const f = ftyp();
  const m = moov(t, options);
  const out = new Uint8Array(f.length + m.length);
  out.set(f);
  out.set(m, f.length);
  return out;
}
