/**
 * Counts the fragments of an outgoing MKV stream as it passes: a pass-through Transform that walks
 * the EBML element headers (Matroska: ID vint, size vint) without buffering the media. It enters the
 * Segment and each Cluster (sized or of unknown size, as live muxers write them) and skips every
 * other element by its size; each Cluster header is one KVS fragment, announced with 'cluster'.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { CamlinkError } from '../../errors/camlink-error.js';

export const EBML_MAGIC = 0x1a45dfa3;
const SEGMENT = 0x18538067;
const CLUSTER = 0x1f43b675;

/** Elements the walker enters instead of skipping. */
const ENTERED = new Set([SEGMENT, CLUSTER]);

export class MkvClusterCounter extends Transform {
  /** Clusters (fragments) whose header has passed. */
  clusters = 0;
  /** Bytes that have passed. */
  bytes = 0;
  #skip = 0;
  readonly #header: number[] = [];

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#walk(chunk);
    } catch (err) {
      callback(err as Error);
      return;
    }
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  #walk(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - i);
        this.#skip -= n;
        i += n;
        continue;
      }
      this.#header.push(chunk[i] ?? 0);
      i += 1;
      const parsed = parseHeader(this.#header);
      if (parsed === undefined) continue;
      this.#header.length = 0;
      if (parsed.id === CLUSTER) {
        this.clusters += 1;
        this.emit('cluster', this.clusters);
      }
      // Entered elements and elements of unknown size: their children follow as headers.
      if (ENTERED.has(parsed.id) || parsed.size === undefined) continue;
      this.#skip = parsed.size;
    }
  }
}

/** An element header once complete: undefined while more bytes are needed. */
function parseHeader(bytes: readonly number[]): { id: number; size: number | undefined } | undefined {
  const first = bytes[0] ?? 0;
  const idLength = vintLength(first);
  if (idLength === undefined || idLength > 4) {
    throw new CamlinkError(
      'DEVICE_SOURCE_FAILED',
      `the video source is not MKV (element id byte 0x${hex(first)})`,
    );
  }
  if (bytes.length <= idLength) return undefined;
  const sizeFirst = bytes[idLength] ?? 0;
  const sizeLength = vintLength(sizeFirst);
  if (sizeLength === undefined) {
    throw new CamlinkError(
      'DEVICE_SOURCE_FAILED',
      `the video source is not MKV (size byte 0x${hex(sizeFirst)})`,
    );
  }
  if (bytes.length < idLength + sizeLength) return undefined;
  let id = 0;
  for (let k = 0; k < idLength; k++) id = id * 256 + (bytes[k] ?? 0);
  // The size's marker bit is dropped; all remaining bits set means "unknown size".
  let size = sizeFirst & (0xff >> sizeLength);
  let allOnes = size === 0xff >> sizeLength;
  for (let k = 1; k < sizeLength; k++) {
    const b = bytes[idLength + k] ?? 0;
    size = size * 256 + b;
    allOnes &&= b === 0xff;
  }
  return { id, size: allOnes ? undefined : size };
}

/** Length of a vint from its first byte (1..8), undefined for 0x00. */
function vintLength(first: number): number | undefined {
  for (let length = 1; length <= 8; length++) if (first & (0x100 >> length)) return length;
  return undefined;
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
