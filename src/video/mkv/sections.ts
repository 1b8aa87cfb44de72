/**
 * Decoders of the small, fully buffered elements: the EBML header (RFC 8794 §11.2), Info, Tracks and
 * Tags (RFC 9559 §5.1.2, §5.1.4, §5.1.8). Unknown children are ignored, as EBML readers must; the
 * constraints a Kinesis Video PutMedia ingest relies on (one track list, a CodecID, at most 3 tracks,
 * unique track numbers) are checked here.
 */
import { children } from './children.js';
import { MkvError } from './errors.js';
import type { MkvTag, MkvTrack } from './events.js';
import { Id } from './ids.js';
import type { MkvLimits } from './limits.js';
import { readFloat, readString, readUint, readUintBig } from './values.js';

export interface EbmlHeader {
  readonly docType: string;
  readonly docTypeVersion: number;
}

const DOC_TYPES = new Set(['matroska', 'webm']);

export function parseEbmlHeader(payload: Uint8Array, limits: MkvLimits): EbmlHeader {
  let docType: string | undefined;
  let docTypeVersion = 1;
  let docTypeReadVersion = 1;
  for (const { id, data } of children(payload, 'EBML header')) {
    switch (id) {
      case Id.EBMLReadVersion:
        if (readUint(data, 'EBMLReadVersion') !== 1) {
          throw new MkvError('MKV_UNSUPPORTED', 'EBMLReadVersion is not 1');
        }
        break;
      case Id.EBMLMaxIDLength:
        if (readUint(data, 'EBMLMaxIDLength') > 4) {
          throw new MkvError('MKV_UNSUPPORTED', 'EBMLMaxIDLength above 4');
        }
        break;
      case Id.EBMLMaxSizeLength:
        if (readUint(data, 'EBMLMaxSizeLength') > 8) {
          throw new MkvError('MKV_UNSUPPORTED', 'EBMLMaxSizeLength above 8');
        }
        break;
      case Id.DocType:
        docType = readString(data, 'DocType', limits.maxStringBytes, true);
        break;
      case Id.DocTypeVersion:
        docTypeVersion = readUint(data, 'DocTypeVersion');
        break;
      case Id.DocTypeReadVersion:
        docTypeReadVersion = readUint(data, 'DocTypeReadVersion');
        break;
      default:
        break;
    }
  }
  if (docType === undefined) throw new MkvError('MKV_INVALID', 'EBML header without DocType');
  if (!DOC_TYPES.has(docType)) throw new MkvError('MKV_UNSUPPORTED', `DocType "${docType}" is not matroska`);
  if (docTypeReadVersion > 4) {
    throw new MkvError('MKV_UNSUPPORTED', `DocTypeReadVersion ${docTypeReadVersion} is above 4`);
  }
  return { docType, docTypeVersion };
}

export interface SegmentInfo {
  readonly timecodeScale: number;
  readonly muxingApp?: string;
  readonly writingApp?: string;
  readonly duration?: number;
}

export function parseInfo(payload: Uint8Array, limits: MkvLimits): SegmentInfo {
  let timecodeScale = 1_000_000;
  let muxingApp: string | undefined;
  let writingApp: string | undefined;
  let duration: number | undefined;
  for (const { id, data } of children(payload, 'Info')) {
    if (id === Id.TimecodeScale) timecodeScale = readUint(data, 'TimecodeScale');
    else if (id === Id.MuxingApp) muxingApp = readString(data, 'MuxingApp', limits.maxStringBytes);
    else if (id === Id.WritingApp) writingApp = readString(data, 'WritingApp', limits.maxStringBytes);
    else if (id === Id.Duration) duration = readFloat(data, 'Duration');
  }
  if (timecodeScale === 0) throw new MkvError('MKV_INVALID', 'TimecodeScale is 0');
  return {
    timecodeScale,
    ...(muxingApp === undefined ? {} : { muxingApp }),
    ...(writingApp === undefined ? {} : { writingApp }),
    ...(duration === undefined ? {} : { duration }),
  };
}

export function parseTracks(payload: Uint8Array, limits: MkvLimits): MkvTrack[] {
  const tracks: MkvTrack[] = [];
  for (const { id, data } of children(payload, 'Tracks')) {
    if (id !== Id.TrackEntry) continue;
    if (tracks.length >= limits.maxTracks) {
      throw new MkvError('MKV_LIMIT', `more than ${limits.maxTracks} tracks`);
    }
    const track = parseTrackEntry(data, limits);
    if (tracks.some((t) => t.number === track.number)) {
      throw new MkvError('MKV_INVALID', `TrackNumber ${track.number} appears twice`);
    }
    tracks.push(track);
  }
  if (tracks.length === 0) throw new MkvError('MKV_INVALID', 'Tracks without a TrackEntry');
  return tracks;
}

function parseTrackEntry(payload: Uint8Array, limits: MkvLimits): MkvTrack {
  let number: number | undefined;
  let uid = 0n;
  let type: number | undefined;
  let codecId: string | undefined;
  let codecPrivate = new Uint8Array(0);
  let name: string | undefined;
  let width: number | undefined;
  let height: number | undefined;
  for (const { id, data } of children(payload, 'TrackEntry')) {
    switch (id) {
      case Id.TrackNumber:
        number = readUint(data, 'TrackNumber');
        break;
      case Id.TrackUID:
        uid = readUintBig(data, 'TrackUID');
        break;
      case Id.TrackType:
        type = readUint(data, 'TrackType');
        break;
      case Id.CodecID:
        codecId = readString(data, 'CodecID', limits.maxStringBytes, true);
        break;
      case Id.CodecPrivate:
        codecPrivate = data.slice();
        break;
      case Id.Name:
        name = readString(data, 'Name', limits.maxStringBytes);
        break;
      case Id.ContentEncodings:
        throw new MkvError('MKV_UNSUPPORTED', 'ContentEncodings (compressed or encrypted tracks)');
      case Id.Video:
        for (const v of children(data, 'Video')) {
          if (v.id === Id.PixelWidth) width = readUint(v.data, 'PixelWidth');
          else if (v.id === Id.PixelHeight) height = readUint(v.data, 'PixelHeight');
        }
        break;
      default:
        break;
    }
  }
  if (number === undefined || number === 0)
    throw new MkvError('MKV_INVALID', 'TrackEntry without a TrackNumber');
  if (type === undefined) throw new MkvError('MKV_INVALID', `track ${number}: no TrackType`);
  if (codecId === undefined || codecId === '')
    throw new MkvError('MKV_INVALID', `track ${number}: no CodecID`);
  return {
    number,
    uid,
    type,
    codecId,
    codecPrivate,
    ...(name === undefined ? {} : { name }),
    ...(width === undefined ? {} : { width }),
    ...(height === undefined ? {} : { height }),
  };
}

/** Tags is a level-1 element: Tag is level 2, its SimpleTags level 3, nested ones deeper. */
export function parseTags(payload: Uint8Array, limits: MkvLimits): MkvTag[] {
  const out: MkvTag[] = [];
  for (const tag of children(payload, 'Tags')) {
    if (tag.id !== Id.Tag) continue;
    for (const child of children(tag.data, 'Tag')) {
      if (child.id === Id.SimpleTag) simpleTag(child.data, 3, limits, out);
    }
  }
  return out;
}

function simpleTag(payload: Uint8Array, level: number, limits: MkvLimits, out: MkvTag[]): void {
  if (level > limits.maxDepth) {
    throw new MkvError('MKV_LIMIT', `SimpleTag nested deeper than ${limits.maxDepth} levels`);
  }
  let name = '';
  let value: string | Uint8Array | undefined;
  const nested: Uint8Array[] = [];
  for (const { id, data } of children(payload, 'SimpleTag')) {
    if (id === Id.TagName) name = readString(data, 'TagName', limits.maxStringBytes);
    else if (id === Id.TagString) value = readString(data, 'TagString', limits.maxStringBytes);
    else if (id === Id.TagBinary) value = data.slice();
    else if (id === Id.SimpleTag) nested.push(data);
  }
  out.push({ name, value });
  for (const n of nested) simpleTag(n, level + 1, limits, out);
}
