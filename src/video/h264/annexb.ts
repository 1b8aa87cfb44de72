/**
 * Annex B byte streams (ISO/IEC 14496-10 Annex B): NAL units separated by 0x000001 / 0x00000001 start
 * codes, as written by encoders and `ffmpeg -f h264`. Splitting into NAL units, grouping into access
 * units, and conversion to the length-prefixed AVCC framing that MP4 and Matroska store.
 */
import { NalType, isSlice, nalType, toLengthPrefixed, type LengthSize } from './nal.js';

/**
 * Splits an Annex B stream into NAL units (without start codes). Bytes before the first start code
 * are ignored; trailing_zero_8bits before the next start code are dropped, as are empty units.
 */
export function splitAnnexB(stream: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = -1;
  let i = 0;
  while (i + 2 < stream.length) {
    if (stream[i] === 0 && stream[i + 1] === 0 && stream[i + 2] === 1) {
      if (start >= 0) pushTrimmed(out, stream, start, i);
      i += 3;
      start = i;
    } else {
      i++;
    }
  }
  if (start >= 0) pushTrimmed(out, stream, start, stream.length);
  return out;
}

function pushTrimmed(out: Uint8Array[], stream: Uint8Array, start: number, end: number): void {
  let e = end;
  while (e > start && stream[e - 1] === 0) e--;
  if (e > start) out.push(stream.subarray(start, e));
}

/**
 * Groups NAL units into access units (§7.4.1.2.3), simplified for streams without redundant pictures:
 * an AUD always starts one; an SPS, PPS or SEI starts one after a slice; a slice whose
 * first_mb_in_slice is 0 starts one after another slice.
 */
export function groupAccessUnits(nals: readonly Uint8Array[]): Uint8Array[][] {
  const units: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let sawSlice = false;
  for (const nal of nals) {
    const type = nalType(nal);
    const startsUnit =
      type === NalType.AUD ||
      (sawSlice && (type === NalType.SPS || type === NalType.PPS || type === NalType.SEI)) ||
      (sawSlice && isSlice(nal) && firstMbIsZero(nal));
    if (startsUnit && current.length > 0) {
      units.push(current);
      current = [];
      sawSlice = false;
    }
    current.push(nal);
    if (isSlice(nal)) sawSlice = true;
  }
  if (current.length > 0) units.push(current);
  return units;
}

/** first_mb_in_slice is ue(v) and 0 codes as a single 1 bit: the top bit of the first payload byte. */
function firstMbIsZero(nal: Uint8Array): boolean {
  return ((nal[1] ?? 0) & 0x80) !== 0;
}

/** Converts an Annex B chunk (e.g. one access unit) to AVCC sample data. */
export function annexBToAvcc(stream: Uint8Array, lengthSize: LengthSize = 4): Uint8Array {
  return toLengthPrefixed(splitAnnexB(stream), lengthSize);
}
