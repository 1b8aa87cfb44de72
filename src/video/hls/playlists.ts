/**
 * HLS playlists (RFC 8216), shaped like those of the Kinesis Video Streams HLS endpoint: a master
 * playlist with one variant, and a media playlist of fMP4 segments (EXT-X-MAP initialization section,
 * hence version 7). ON_DEMAND ends with EXT-X-ENDLIST; LIVE does not. Pure text builders: every URI and
 * attribute value is checked so that no input can break a line or a quoted string.
 */
import { HlsError } from './errors.js';

export type PlaylistMode = 'LIVE' | 'ON_DEMAND';

export interface Variant {
  /** URI of the media playlist, relative to the master playlist or absolute. */
  readonly uri: string;
  /** Peak bits per second (§4.3.4.2). */
  readonly bandwidth: number;
  readonly averageBandwidth?: number;
  /** RFC 6381 codecs, e.g. ["avc1.42c01e"]. */
  readonly codecs: readonly string[];
  readonly width?: number;
  readonly height?: number;
  readonly frameRate?: number;
}

export interface Segment {
  readonly uri: string;
  /** Duration in seconds. */
  readonly duration: number;
  /** Wall-clock time of the segment's first sample (EXT-X-PROGRAM-DATE-TIME). */
  readonly programDateTime?: Date;
  /** Marks a timestamp or encoding discontinuity before this segment (EXT-X-DISCONTINUITY). */
  readonly discontinuity?: boolean;
}

export interface MediaPlaylist {
  readonly mode: PlaylistMode;
  /** URI of the fMP4 initialization segment (EXT-X-MAP). */
  readonly mapUri: string;
  /** Sequence number of the first segment listed (EXT-X-MEDIA-SEQUENCE). Default 0. */
  readonly mediaSequence?: number;
  /**
   * Every segment starts with a keyframe (one segment per GOP, as KVS fragments are), so the playlist
   * says EXT-X-INDEPENDENT-SEGMENTS. Default true.
   */
  readonly independentSegments?: boolean;
  /** Write EXT-X-PROGRAM-DATE-TIME for segments that carry programDateTime. Default true. */
  readonly programDateTime?: boolean;
  readonly segments: readonly Segment[];
}

export const MEDIA_PLAYLIST_VERSION = 7;

/**
 * A URI as a playlist may carry it, on its own line or in a quoted attribute: not empty, printable
 * ASCII without spaces (RFC 3986: anything else is percent-encoded by the caller; CR/LF would end the
 * line), no double quote (it would end a quoted-string, §4.2), and no leading '#' (a tag or comment).
 */
export function checkUri(uri: string, what = 'URI'): string {
  let ok = uri.length > 0 && !uri.startsWith('#');
  for (let i = 0; ok && i < uri.length; i++) {
    const c = uri.charCodeAt(i);
    ok = c > 0x20 && c < 0x7f && c !== 0x22;
  }
  if (!ok)
    throw new HlsError('HLS_URI_INVALID', `${what} ${JSON.stringify(uri)} cannot appear in a playlist`);
  return uri;
}

function positiveInteger(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v <= 0)
    throw new HlsError('HLS_VALUE_INVALID', `${what} ${v} is not a positive integer`);
  return v;
}

function codec(c: string): string {
  if (!/^[A-Za-z0-9.+-]+$/.test(c)) throw new HlsError('HLS_VALUE_INVALID', `codec ${JSON.stringify(c)}`);
  return c;
}

/** Seconds with three decimals, as EXTINF carries them (§4.3.2.1, decimal-floating-point). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new HlsError('HLS_VALUE_INVALID', `duration ${seconds}`);
  return seconds.toFixed(3);
}

/** A master playlist listing its variant streams (§4.3.4.2). */
export function buildMasterPlaylist(variants: readonly Variant[]): string {
  if (variants.length === 0) throw new HlsError('HLS_VALUE_INVALID', 'a master playlist needs a variant');
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${MEDIA_PLAYLIST_VERSION}`, '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of variants) {
    if (v.codecs.length === 0) throw new HlsError('HLS_VALUE_INVALID', 'a variant needs its CODECS');
    const attrs = [`BANDWIDTH=${positiveInteger(v.bandwidth, 'BANDWIDTH')}`];
    if (v.averageBandwidth !== undefined) {
      attrs.push(`AVERAGE-BANDWIDTH=${positiveInteger(v.averageBandwidth, 'AVERAGE-BANDWIDTH')}`);
    }
    attrs.push(`CODECS="${v.codecs.map(codec).join(',')}"`);
    if (v.width !== undefined || v.height !== undefined) {
      attrs.push(
        `RESOLUTION=${positiveInteger(v.width ?? 0, 'width')}x${positiveInteger(v.height ?? 0, 'height')}`,
      );
    }
    if (v.frameRate !== undefined) {
      if (!Number.isFinite(v.frameRate) || v.frameRate <= 0) {
        throw new HlsError('HLS_VALUE_INVALID', `FRAME-RATE ${v.frameRate}`);
      }
      attrs.push(`FRAME-RATE=${v.frameRate.toFixed(3)}`);
    }
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, checkUri(v.uri, 'variant URI'));
  }
  return lines.join('\n') + '\n';
}

/**
 * EXT-X-TARGETDURATION (§4.3.3.1): an integer no smaller than any EXTINF rounded to the nearest
 * integer; the ceiling of the largest duration as written (3 decimals) always qualifies.
 */
export function targetDuration(segments: readonly Segment[]): number {
  let max = 0;
  for (const s of segments) max = Math.max(max, Number(formatDuration(s.duration)));
  return Math.max(1, Math.ceil(max));
}

/** A media playlist of fMP4 segments (§4.3.3, §4.3.2). */
export function buildMediaPlaylist(p: MediaPlaylist): string {
  const sequence = p.mediaSequence ?? 0;
  if (!Number.isSafeInteger(sequence) || sequence < 0) {
    throw new HlsError('HLS_VALUE_INVALID', `media sequence ${sequence}`);
  }
  const lines = [
    '#EXTM3U',
    `#EXT-X-VERSION:${MEDIA_PLAYLIST_VERSION}`,
    `#EXT-X-TARGETDURATION:${targetDuration(p.segments)}`,
    `#EXT-X-MEDIA-SEQUENCE:${sequence}`,
  ];
  if (p.mode === 'ON_DEMAND') lines.push('#EXT-X-PLAYLIST-TYPE:VOD');
  if (p.independentSegments !== false) lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  lines.push(`#EXT-X-MAP:URI="${checkUri(p.mapUri, 'map URI')}"`);
  for (const s of p.segments) {
    if (s.discontinuity === true) lines.push('#EXT-X-DISCONTINUITY');
    if (s.programDateTime !== undefined && p.programDateTime !== false) {
      if (Number.isNaN(s.programDateTime.getTime()))
        throw new HlsError('HLS_VALUE_INVALID', 'invalid program date');
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${s.programDateTime.toISOString()}`);
    }
    lines.push(`#EXTINF:${formatDuration(s.duration)},`, checkUri(s.uri, 'segment URI'));
  }
  if (p.mode === 'ON_DEMAND') lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}
