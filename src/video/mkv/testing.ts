/**
 * Test support for the Matroska codec (RFC 9559): reading a whole byte string in given pieces, and a
 * sample document that exercises sized and unknown-size Clusters, BlockGroups, Void, CRC-32, Cues and
 * Tags. Used by the *.test.ts files only.
 */
import type { MkvEvent } from './events.js';
import { Id } from './ids.js';
import type { MkvLimits } from './limits.js';
import { MkvReader } from './reader.js';
import { concat, element, master, stringElement, uintElement } from './values.js';
import { encodeId, UNKNOWN_SIZE } from './vint.js';
import { mkvCluster, mkvHeader } from './writer.js';

/** Feeds `bytes` cut at the given offsets (ascending, any values), then ends the stream. */
export function readPieces(bytes: Uint8Array, cuts: readonly number[] = [], limits?: MkvLimits): MkvEvent[] {
  const reader = new MkvReader(limits);
  const out: MkvEvent[] = [];
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    const to = Math.min(Math.max(cut, at), bytes.length);
    out.push(...reader.push(bytes.subarray(at, to)));
    at = to;
  }
  out.push(...reader.push(bytes.subarray(at)));
  out.push(...reader.end());
  return out;
}

export function readByteByByte(bytes: Uint8Array, limits?: MkvLimits): MkvEvent[] {
  const reader = new MkvReader(limits);
  const out: MkvEvent[] = [];
  for (let i = 0; i < bytes.length; i++) out.push(...reader.push(bytes.subarray(i, i + 1)));
  out.push(...reader.end());
  return out;
}

export const AVCC = Uint8Array.of(
  0x01,
  0x42,
  0xc0,
  0x1e,
  0xff,
  0xe1,
  0x00,
  0x04,
  0x67,
  0x42,
  0xc0,
  0x1e,
  0x01,
  0x00,
);

export function frameBytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
}

const crc = element(Id.CRC32, Uint8Array.of(1, 2, 3, 4));
const voidEl = element(Id.Void, new Uint8Array(5));

/**
 * A valid document: the writer's header, an unknown-size Cluster (ended by the next Cluster), a sized
 * Cluster with a BlockGroup and skipped children, an unknown-size Cluster ended by Tags, Cues, and a
 * final unknown-size Cluster ended by the end of the stream.
 */
export function sampleDocument(): Uint8Array {
  const header = mkvHeader({ codecPrivate: AVCC, width: 320, height: 240, uid: 0xfedcba9876543210n });
  const c1 = mkvCluster(0, [
    { data: frameBytes(100, 1), relativeTimecode: 0, keyframe: true },
    { data: frameBytes(40, 2), relativeTimecode: 40, keyframe: false },
  ]);
  const block = concat([Uint8Array.of(0x81, 0x00, 0x00, 0x00), frameBytes(30, 3)]);
  const refBlock = concat([Uint8Array.of(0x81, 0x00, 0x28, 0x00), frameBytes(20, 4)]);
  const c2 = master(Id.Cluster, [
    crc,
    uintElement(Id.Timecode, 80),
    uintElement(Id.Position, 1234),
    master(Id.BlockGroup, [element(Id.Block, block), uintElement(Id.BlockDuration, 40)]),
    voidEl,
    element(0x4abc, Uint8Array.of(9, 9, 9)), // an element this reader does not know
    master(Id.BlockGroup, [element(Id.Block, refBlock), element(Id.ReferenceBlock, Uint8Array.of(0xd8))]),
  ]);
  const c3 = mkvCluster(160, [{ data: frameBytes(10, 5), relativeTimecode: -1, keyframe: true }]);
  const tags = master(Id.Tags, [
    master(Id.Tag, [
      master(Id.Targets, []),
      master(Id.SimpleTag, [
        stringElement(Id.TagName, 'AWS_KINESISVIDEO_EVENT'),
        stringElement(Id.TagString, 'motion'),
        master(Id.SimpleTag, [stringElement(Id.TagName, 'NESTED'), element(Id.TagBinary, Uint8Array.of(7))]),
      ]),
    ]),
  ]);
  const cues = master(Id.Cues, [master(Id.CuePoint, [uintElement(Id.CueTime, 0)])]);
  const c4 = concat([encodeId(Id.Cluster), UNKNOWN_SIZE, uintElement(Id.Timecode, 200), voidEl]);
  const c4frames = mkvCluster(0, [{ data: frameBytes(5, 6), relativeTimecode: 3, keyframe: false }]).subarray(
    encodeId(Id.Cluster).length + UNKNOWN_SIZE.length + uintElement(Id.Timecode, 0).length,
  );
  return concat([header, voidEl, c1, c2, c3, tags, cues, c4, c4frames]);
}
