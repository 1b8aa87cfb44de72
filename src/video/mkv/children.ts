/**
 * Walks the children of a fully buffered EBML master element (RFC 8794 §6): the header, Info, Tracks
 * and Tags are small, so the streaming reader buffers them whole (under its element limit) and decodes
 * them here. Every child must fit inside its parent; unknown sizes are not allowed below the Segment
 * level except for Cluster (RFC 9559 §6.2), which the streaming reader handles itself.
 */
import { MkvError } from './errors.js';
import { decodeId, decodeSize } from './vint.js';

export interface Child {
  readonly id: number;
  readonly data: Uint8Array;
}

export function* children(payload: Uint8Array, what: string): Generator<Child> {
  let at = 0;
  while (at < payload.length) {
    const id = decodeId(payload, at);
    if (id === undefined) throw new MkvError('MKV_INVALID', `${what}: truncated element ID`);
    const size = decodeSize(payload, at + id.length);
    if (size === undefined) throw new MkvError('MKV_INVALID', `${what}: truncated element size`);
    if (size.value === null) {
      throw new MkvError('MKV_INVALID', `${what}: element 0x${id.value.toString(16)} has unknown size`);
    }
    const start = at + id.length + size.length;
    const end = start + size.value;
    if (end > payload.length) {
      throw new MkvError('MKV_INVALID', `${what}: element 0x${id.value.toString(16)} overruns its parent`);
    }
    yield { id: id.value, data: payload.subarray(start, end) };
    at = end;
  }
}
