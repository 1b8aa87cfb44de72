/**
 * Incremental Matroska reader (RFC 8794 EBML, RFC 9559 Matroska) for a Kinesis Video Streams PutMedia
 * body: push() bytes as they arrive, split anywhere, and get the events they complete.
 *
 * Structure: one EBML header, then exactly one Segment (KVS rejects a second one), of known or unknown
 * size. In the Segment, Info, Tracks and Tags are buffered whole and decoded; Clusters (known or unknown
 * size) are walked element by element: their Timecode, SimpleBlocks and BlockGroups are decoded, every
 * other child is skipped. An unknown-size Cluster ends at the first element that cannot be its child (a
 * Segment-level or root element: the next Cluster, Tags, Cues...), at the end of a sized parent, or at
 * end(). Unknown elements, Void and CRC-32 (not verified) are skipped wherever they appear, without
 * buffering. Laced blocks are refused (see block.ts).
 *
 * Memory is bounded by MkvLimits: at most one element header (12 bytes) and one element body are held,
 * and a body's declared size is checked against its limit before any of it is buffered. Every failure
 * is an MkvError; after one, the reader is dead and push()/end() throw MKV_CLOSED.
 */
import { MAX_BLOCK_HEADER_BYTES, parseBlock, SIMPLEBLOCK_KEYFRAME } from './block.js';
import { children } from './children.js';
import { MkvError } from './errors.js';
import type { MkvEvent, MkvTrack } from './events.js';
import { Id, ROOT_ELEMENTS, SEGMENT_CHILDREN } from './ids.js';
import { DEFAULT_MKV_LIMITS, type MkvLimits } from './limits.js';
import { parseEbmlHeader, parseInfo, parseTags, parseTracks } from './sections.js';
import { readUint } from './values.js';
import { decodeId, decodeSize, MAX_ID_BYTES, MAX_SIZE_BYTES } from './vint.js';

/** An open master element (Segment or Cluster) being walked. */
interface Open {
  readonly id: number;
  /** Absolute stream offset where it ends; null for unknown size. */
  readonly end: number | null;
}

type State =
  | { readonly kind: 'header' }
  | { readonly kind: 'skip'; remaining: number }
  | { readonly kind: 'body'; readonly id: number; readonly buf: Uint8Array; filled: number };

const HEADER: State = { kind: 'header' };

export class MkvReader {
  private readonly head = new Uint8Array(MAX_ID_BYTES + MAX_SIZE_BYTES);
  private headLen = 0;
  private state: State = HEADER;
  /** Bytes consumed from the stream so far (including those in `head`). */
  private pos = 0;
  private readonly open: Open[] = [];
  private closed = false;

  private sawEbml = false;
  private sawSegment = false;
  private sawInfo = false;
  private tracks: readonly MkvTrack[] | undefined;
  /** The current Cluster's Timecode, once read. */
  private clusterTimecode: number | undefined;

  constructor(private readonly limits: MkvLimits = DEFAULT_MKV_LIMITS) {}

  /** Bytes held for an element not yet complete (never more than a header plus one element). */
  get pending(): number {
    return this.headLen + (this.state.kind === 'body' ? this.state.filled : 0);
  }

  /** Feeds bytes; returns the events they complete, in order. Throws MkvError. */
  push(chunk: Uint8Array): MkvEvent[] {
    if (this.closed) throw new MkvError('MKV_CLOSED', 'the reader has failed or ended');
    const out: MkvEvent[] = [];
    try {
      this.consume(chunk, out);
    } catch (err) {
      this.closed = true;
      throw err;
    }
    return out;
  }

  /** Ends the stream: closes unknown-size elements; an element cut short is MKV_TRUNCATED. */
  end(): MkvEvent[] {
    if (this.closed) throw new MkvError('MKV_CLOSED', 'the reader has failed or ended');
    this.closed = true;
    const out: MkvEvent[] = [];
    if (this.state.kind !== 'header' || this.headLen > 0) {
      throw new MkvError('MKV_TRUNCATED', `stream ended inside an element at offset ${this.pos}`);
    }
    this.closeFinished(out);
    if (this.open.some((o) => o.end !== null)) {
      throw new MkvError('MKV_TRUNCATED', 'stream ended inside a sized Segment or Cluster');
    }
    while (this.open.length > 0) this.pop(out);
    if (!this.sawSegment) throw new MkvError('MKV_TRUNCATED', 'stream ended before its Segment');
    return out;
  }

  private consume(chunk: Uint8Array, out: MkvEvent[]): void {
    let i = 0;
    for (;;) {
      const state = this.state;
      if (state.kind === 'skip') {
        const n = Math.min(state.remaining, chunk.length - i);
        i += n;
        this.pos += n;
        state.remaining -= n;
        if (state.remaining > 0) return;
        this.state = HEADER;
      } else if (state.kind === 'body') {
        const n = Math.min(state.buf.length - state.filled, chunk.length - i);
        state.buf.set(chunk.subarray(i, i + n), state.filled);
        state.filled += n;
        i += n;
        this.pos += n;
        if (state.filled < state.buf.length) return;
        this.state = HEADER;
        this.onBody(state.id, state.buf, out);
      } else {
        if (this.headLen === 0) this.closeFinished(out);
        if (i >= chunk.length) return;
        this.head[this.headLen++] = chunk[i++] ?? 0;
        this.pos++;
        const id = decodeId(this.head.subarray(0, this.headLen));
        if (id === undefined) continue;
        const size = decodeSize(this.head.subarray(0, this.headLen), id.length);
        if (size === undefined) continue;
        this.headLen = 0;
        this.onHeader(id.value, size.value, out);
      }
    }
  }

  /** Pops every open element whose sized end (or an ancestor's) has been reached. */
  private closeFinished(out: MkvEvent[]): void {
    const k = this.open.findIndex((o) => o.end !== null && o.end <= this.pos);
    if (k < 0) return;
    while (this.open.length > k) this.pop(out);
  }

  private pop(out: MkvEvent[]): void {
    const top = this.open.pop();
    if (top?.id === Id.Cluster) {
      if (this.clusterTimecode === undefined) throw new MkvError('MKV_INVALID', 'Cluster without a Timecode');
      this.clusterTimecode = undefined;
      out.push({ type: 'clusterEnd' });
    } else if (top?.id === Id.Segment) {
      out.push({ type: 'segmentEnd' });
    }
  }

  /** A complete element header at this.pos (the body starts here). */
  private onHeader(id: number, size: number | null, out: MkvEvent[]): void {
    // An unknown-size element ends where an element that cannot be its child begins (RFC 8794 §6.2).
    for (let top = this.open.at(-1); top?.end === null && !canContain(top.id, id); top = this.open.at(-1)) {
      this.pop(out);
    }
    const parent = this.open.at(-1);
    const bound = this.open.findLast((o) => o.end !== null);
    if (size !== null && bound?.end != null && this.pos + size > bound.end) {
      throw new MkvError('MKV_INVALID', `element ${hex(id)} overruns its parent ${hex(bound.id)}`);
    }
    if (size === null && id !== Id.Segment && id !== Id.Cluster) {
      throw new MkvError('MKV_INVALID', `element ${hex(id)} has unknown size (only Segment and Cluster may)`);
    }
    if (parent === undefined) this.atRoot(id, size, out);
    else if (parent.id === Id.Segment) this.inSegment(id, size);
    else this.inCluster(id, size ?? 0);
  }

  private atRoot(id: number, size: number | null, out: MkvEvent[]): void {
    if (id === Id.EBML) {
      if (this.sawEbml) throw new MkvError('MKV_INVALID', 'a second EBML header (KVS accepts one Segment)');
      this.sawEbml = true;
      this.buffer(id, size ?? 0, this.limits.maxElementBytes);
    } else if (!this.sawEbml) {
      throw new MkvError('MKV_INVALID', 'the stream does not start with an EBML header');
    } else if (id === Id.Segment) {
      if (this.sawSegment) throw new MkvError('MKV_INVALID', 'more than one Segment (KVS accepts one)');
      this.sawSegment = true;
      this.enter(id, size);
      out.push({ type: 'segmentStart', size });
    } else if (id === Id.Void || id === Id.CRC32) {
      this.skip(size ?? 0);
    } else {
      throw new MkvError('MKV_INVALID', `element ${hex(id)} where only a Segment may be`);
    }
  }

  private inSegment(id: number, size: number | null): void {
    switch (id) {
      case Id.Info:
        if (this.sawInfo) throw new MkvError('MKV_INVALID', 'a second Info element');
        this.sawInfo = true;
        this.buffer(id, size ?? 0, this.limits.maxElementBytes);
        return;
      case Id.Tracks:
        if (this.tracks !== undefined) throw new MkvError('MKV_INVALID', 'a second Tracks element');
        this.buffer(id, size ?? 0, this.limits.maxElementBytes);
        return;
      case Id.Tags:
        this.buffer(id, size ?? 0, this.limits.maxElementBytes);
        return;
      case Id.Cluster:
        if (this.tracks === undefined) throw new MkvError('MKV_INVALID', 'a Cluster before Tracks');
        this.enter(id, size);
        return;
      default:
        if (ROOT_ELEMENTS.has(id))
          throw new MkvError('MKV_INVALID', `root element ${hex(id)} inside the Segment`);
        this.skip(size ?? 0);
    }
  }

  private inCluster(id: number, size: number): void {
    switch (id) {
      case Id.Timecode:
        if (this.clusterTimecode !== undefined)
          throw new MkvError('MKV_INVALID', 'a second Cluster Timecode');
        this.buffer(id, size, 8);
        return;
      case Id.SimpleBlock:
      case Id.BlockGroup:
        if (this.clusterTimecode === undefined) {
          throw new MkvError('MKV_INVALID', 'a block before the Cluster Timecode');
        }
        this.buffer(id, size, this.limits.maxFrameBytes + MAX_BLOCK_HEADER_BYTES);
        return;
      default:
        if (ROOT_ELEMENTS.has(id) || SEGMENT_CHILDREN.has(id)) {
          throw new MkvError('MKV_INVALID', `element ${hex(id)} inside a sized Cluster`);
        }
        this.skip(size);
    }
  }

  private enter(id: number, size: number | null): void {
    if (this.open.length >= this.limits.maxDepth) {
      throw new MkvError('MKV_LIMIT', `elements nested deeper than ${this.limits.maxDepth} levels`);
    }
    this.open.push({ id, end: size === null ? null : this.pos + size });
  }

  private skip(size: number): void {
    if (size > 0) this.state = { kind: 'skip', remaining: size };
  }

  private buffer(id: number, size: number, limit: number): void {
    if (size > limit) {
      throw new MkvError('MKV_LIMIT', `element ${hex(id)} of ${size} bytes exceeds the ${limit}-byte limit`);
    }
    this.state = { kind: 'body', id, buf: new Uint8Array(size), filled: 0 };
  }

  /** A buffered element is complete. */
  private onBody(id: number, body: Uint8Array, out: MkvEvent[]): void {
    switch (id) {
      case Id.EBML: {
        const header = parseEbmlHeader(body, this.limits);
        out.push({ type: 'ebmlHeader', docType: header.docType, docTypeVersion: header.docTypeVersion });
        return;
      }
      case Id.Info:
        out.push({ type: 'info', ...parseInfo(body, this.limits) });
        return;
      case Id.Tracks:
        this.tracks = parseTracks(body, this.limits);
        out.push({ type: 'tracks', tracks: this.tracks });
        return;
      case Id.Tags:
        out.push({ type: 'tags', tags: parseTags(body, this.limits) });
        return;
      case Id.Timecode: {
        const timecode = readUint(body, 'Cluster Timecode');
        this.clusterTimecode = timecode;
        out.push({ type: 'clusterStart', timecode });
        return;
      }
      case Id.SimpleBlock: {
        const block = parseBlock(body, 'SimpleBlock');
        out.push(
          this.frame(
            block.track,
            block.relativeTimecode,
            (block.flags & SIMPLEBLOCK_KEYFRAME) !== 0,
            block.data,
          ),
        );
        return;
      }
      case Id.BlockGroup:
        out.push(this.blockGroup(body));
        return;
      default:
        return;
    }
  }

  /** A BlockGroup: one Block; a keyframe unless it has a ReferenceBlock. */
  private blockGroup(body: Uint8Array): MkvEvent {
    let block: Uint8Array | undefined;
    let referenced = false;
    for (const child of children(body, 'BlockGroup')) {
      if (child.id === Id.Block) {
        if (block !== undefined) throw new MkvError('MKV_INVALID', 'BlockGroup with two Blocks');
        block = child.data;
      } else if (child.id === Id.ReferenceBlock) {
        referenced = true;
      }
    }
    if (block === undefined) throw new MkvError('MKV_INVALID', 'BlockGroup without a Block');
    const parsed = parseBlock(block, 'Block');
    return this.frame(parsed.track, parsed.relativeTimecode, !referenced, parsed.data);
  }

  private frame(track: number, relative: number, keyframe: boolean, data: Uint8Array): MkvEvent {
    if (!this.tracks?.some((t) => t.number === track)) {
      throw new MkvError('MKV_INVALID', `a block for track ${track}, which Tracks does not declare`);
    }
    if (data.length > this.limits.maxFrameBytes) {
      throw new MkvError(
        'MKV_LIMIT',
        `frame of ${data.length} bytes exceeds the ${this.limits.maxFrameBytes}-byte limit`,
      );
    }
    // The body buffer is allocated per element and never reused, so the view is the event's own.
    return { type: 'frame', track, timecode: (this.clusterTimecode ?? 0) + relative, keyframe, data };
  }
}

/** Whether `id` may appear inside the unknown-size element `parent` (unknown IDs may: they are skipped). */
function canContain(parent: number, id: number): boolean {
  if (ROOT_ELEMENTS.has(id)) return false;
  if (parent === Id.Cluster) return !SEGMENT_CHILDREN.has(id);
  return true;
}

function hex(id: number): string {
  return `0x${id.toString(16).toUpperCase()}`;
}
