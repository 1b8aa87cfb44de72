/**
 * AVCDecoderConfigurationRecord, the "avcC" (ISO/IEC 14496-15 §5.3.3.1): the bytes Matroska stores as
 * CodecPrivate for V_MPEG4/ISO/AVC and MP4 stores in the avcC box. Parsing is bounded (malformed input
 * is an H264Error, never an exception of another kind); building takes SPS and PPS NAL units.
 * Also the RFC 6381 codec string ("avc1.PPCCLL") that HLS CODECS attributes carry.
 */
import { H264Error } from './errors.js';
import { NalType, nalType, type LengthSize } from './nal.js';
import { parseSps } from './sps.js';

export interface AvcConfig {
  readonly profile: number;
  readonly profileCompatibility: number;
  readonly level: number;
  /** Bytes of the NAL length prefix in samples: lengthSizeMinusOne + 1. */
  readonly lengthSize: LengthSize;
  readonly sps: readonly Uint8Array[];
  readonly pps: readonly Uint8Array[];
  /** Bytes after the PPS list (the high-profile extension, §5.3.3.1.2), kept verbatim. */
  readonly extension: Uint8Array;
}

/** Profiles whose record may carry chroma_format and bit depths after the PPS list (§5.3.3.1.2). */
const EXTENDED_PROFILES = new Set([100, 110, 122, 144]);

class Cursor {
  at = 0;
  constructor(private readonly buf: Uint8Array) {}

  u8(what: string): number {
    const v = this.buf[this.at];
    if (v === undefined) throw new H264Error('H264_TRUNCATED', `avcC ${what}: record ends at ${this.at}`);
    this.at++;
    return v;
  }

  bytes(n: number, what: string): Uint8Array {
    if (n > this.buf.length - this.at) {
      throw new H264Error(
        'H264_TRUNCATED',
        `avcC ${what}: needs ${n} bytes, ${this.buf.length - this.at} left`,
      );
    }
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  rest(): Uint8Array {
    return this.bytes(this.buf.length - this.at, 'extension');
  }
}

function readParameterSets(c: Cursor, count: number, type: number, what: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const length = c.u8(`${what}[${i}] length`) * 256 + c.u8(`${what}[${i}] length`);
    if (length === 0) throw new H264Error('H264_AVCC_INVALID', `avcC ${what}[${i}] is empty`);
    const nal = c.bytes(length, `${what}[${i}]`);
    if (nalType(nal) !== type) {
      throw new H264Error(
        'H264_AVCC_INVALID',
        `avcC ${what}[${i}] has NAL type ${nalType(nal)}, not ${type}`,
      );
    }
    out.push(nal);
  }
  return out;
}

/** Parses an avcC record. The returned NAL units are views into `record`. */
export function parseAvcc(record: Uint8Array): AvcConfig {
  const c = new Cursor(record);
  const version = c.u8('configurationVersion');
  if (version !== 1) throw new H264Error('H264_AVCC_INVALID', `avcC version ${version}, expected 1`);
  const profile = c.u8('AVCProfileIndication');
  const profileCompatibility = c.u8('profile_compatibility');
  const level = c.u8('AVCLevelIndication');
  const lengthSizeMinusOne = c.u8('lengthSizeMinusOne') & 0x03;
  if (lengthSizeMinusOne === 2)
    throw new H264Error('H264_AVCC_INVALID', 'avcC NAL length size 3 is not allowed');
  const lengthSize = (lengthSizeMinusOne + 1) as LengthSize;
  const sps = readParameterSets(c, c.u8('numOfSequenceParameterSets') & 0x1f, NalType.SPS, 'SPS');
  const pps = readParameterSets(c, c.u8('numOfPictureParameterSets'), NalType.PPS, 'PPS');
  return { profile, profileCompatibility, level, lengthSize, sps, pps, extension: c.rest() };
}

/**
 * Builds an avcC record from SPS and PPS NAL units (header bytes included, emulation prevention kept).
 * Profile, compatibility and level come from the first SPS; for the high profiles the §5.3.3.1.2
 * extension (chroma format, bit depths, no SPS extensions) is written, as encoders do.
 */
export function buildAvcc(input: {
  sps: readonly Uint8Array[];
  pps: readonly Uint8Array[];
  lengthSize?: LengthSize;
}): Uint8Array {
  const first = input.sps[0];
  if (first === undefined) throw new H264Error('H264_VALUE_INVALID', 'avcC needs at least one SPS');
  if (input.pps.length === 0) throw new H264Error('H264_VALUE_INVALID', 'avcC needs at least one PPS');
  if (input.sps.length > 31) throw new H264Error('H264_VALUE_INVALID', `${input.sps.length} SPS exceed 31`);
  if (input.pps.length > 255) throw new H264Error('H264_VALUE_INVALID', `${input.pps.length} PPS exceed 255`);
  const parsed = parseSps(first);
  for (const nal of input.sps) checkParameterSet(nal, NalType.SPS, 'SPS');
  for (const nal of input.pps) checkParameterSet(nal, NalType.PPS, 'PPS');
  const lengthSize = input.lengthSize ?? 4;

  const parts: Uint8Array[] = [
    Uint8Array.from([1, parsed.profileIdc, parsed.constraintFlags, parsed.levelIdc]),
    Uint8Array.from([0xfc | (lengthSize - 1), 0xe0 | input.sps.length]),
  ];
  for (const nal of input.sps) parts.push(u16(nal.length), nal);
  parts.push(Uint8Array.from([input.pps.length]));
  for (const nal of input.pps) parts.push(u16(nal.length), nal);
  if (EXTENDED_PROFILES.has(parsed.profileIdc)) {
    parts.push(
      Uint8Array.from([
        0xfc | parsed.chromaFormatIdc,
        0xf8 | (parsed.bitDepthLuma - 8),
        0xf8 | (parsed.bitDepthChroma - 8),
        0, // numOfSequenceParameterSetExt
      ]),
    );
  }
  return concat(parts);
}

function u16(v: number): Uint8Array {
  return Uint8Array.from([v >> 8, v & 0xff]);
}

function checkParameterSet(nal: Uint8Array, type: number, what: string): void {
  if (nal.length === 0 || nal.length > 0xffff) {
    throw new H264Error('H264_VALUE_INVALID', `${what} of ${nal.length} bytes does not fit an avcC entry`);
  }
  if (nalType(nal) !== type)
    throw new H264Error('H264_VALUE_INVALID', `${what} has NAL type ${nalType(nal)}`);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** RFC 6381 codec string of an avcC record (parsed or raw), e.g. "avc1.42c01e". */
export function codecString(avcc: AvcConfig | Uint8Array): string {
  const config = avcc instanceof Uint8Array ? parseAvcc(avcc) : avcc;
  const hex = (v: number): string => v.toString(16).padStart(2, '0');
  return `avc1.${hex(config.profile)}${hex(config.profileCompatibility)}${hex(config.level)}`;
}
