/** Tiny synthetic MKV streams for PutMedia tests: EBML header, a Segment of unknown size, N Clusters. */

function el(id: readonly number[], body: Buffer): Buffer {
  const size = body.length < 127 ? [0x80 | body.length] : [0x40 | (body.length >> 8), body.length & 0xff];
  return Buffer.concat([Buffer.from(id), Buffer.from(size), body]);
}

/** `clusters` Clusters of `frames` 1-byte-ish SimpleBlocks each, timecodes 0, 1000, 2000… ms. */
export function syntheticMkv(clusters: number, frames = 3): Buffer {
  const parts = [
    el([0x1a, 0x45, 0xdf, 0xa3], el([0x42, 0x82], Buffer.from('matroska'))),
    Buffer.from([0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
  ];
  for (let c = 0; c < clusters; c++) {
    const blocks: Buffer[] = [el([0xe7], Buffer.from([(c * 1000) >> 8, (c * 1000) & 0xff]))];
    for (let f = 0; f < frames; f++) {
      blocks.push(el([0xa3], Buffer.from([0x81, 0, f * 40, f === 0 ? 0x80 : 0, 0, 0, 0, 1, 0x65, c, f])));
    }
    parts.push(el([0x1f, 0x43, 0xb6, 0x75], Buffer.concat(blocks)));
  }
  return Buffer.concat(parts);
}
