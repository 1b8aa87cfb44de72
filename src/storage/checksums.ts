/**
 * The integrity values S3 keeps per object (S3 User Guide "Checking object integrity"): the MD5 ETag and
 * the flexible checksums CRC32, CRC32C, SHA-1 and SHA-256 (base64 of the big-endian value / digest).
 * CRC32 uses zlib.crc32 (Node >= 20.15); CRC32C (Castagnoli, reflected 0x82F63B78) is table-driven.
 * Upload bodies are digested by digest-pool.ts; this file holds the algorithms and their encodings.
 */
import { createHash } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';

export const checksumAlgorithms = ['crc32', 'crc32c', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof checksumAlgorithms)[number];
export type Checksums = Partial<Record<ChecksumAlgorithm, string>>;

export function isChecksumAlgorithm(value: string): value is ChecksumAlgorithm {
  return (checksumAlgorithms as readonly string[]).includes(value);
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = table[n] ?? 0;
    for (let s = 1; s < 8; s++) {
      c = (table[c & 0xff] ?? 0) ^ (c >>> 8);
      table[s * 256 + n] = c >>> 0;
    }
  }
  return table;
})();

/** Slicing-by-8 CRC32C; `crc` is the running value (0 to start). */
export function crc32c(data: Uint8Array, crc = 0): number {
  const t = CRC32C_TABLE;
  let c = ~crc >>> 0;
  let i = 0;
  const end8 = data.length - (data.length % 8);
  for (; i < end8; i += 8) {
    c ^= (data[i] ?? 0) | ((data[i + 1] ?? 0) << 8) | ((data[i + 2] ?? 0) << 16) | ((data[i + 3] ?? 0) << 24);
    c =
      (t[7 * 256 + (c & 0xff)] ?? 0) ^
      (t[6 * 256 + ((c >>> 8) & 0xff)] ?? 0) ^
      (t[5 * 256 + ((c >>> 16) & 0xff)] ?? 0) ^
      (t[4 * 256 + (c >>> 24)] ?? 0) ^
      (t[3 * 256 + (data[i + 4] ?? 0)] ?? 0) ^
      (t[2 * 256 + (data[i + 5] ?? 0)] ?? 0) ^
      (t[256 + (data[i + 6] ?? 0)] ?? 0) ^
      (t[data[i + 7] ?? 0] ?? 0);
  }
  for (; i < data.length; i++) c = (t[(c ^ (data[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  return ~c >>> 0;
}

function u32Base64(value: number): string {
  const buf = Buffer.alloc(4);
  buf.writeUInt32BE(value >>> 0);
  return buf.toString('base64');
}

/** S3's composite checksum of a multipart object: base64(alg(concat(raw part checksums)))-N. */
export function compositeChecksum(algorithm: ChecksumAlgorithm, parts: readonly string[]): string {
  const raw = Buffer.concat(parts.map((p) => Buffer.from(p, 'base64')));
  let value: string;
  if (algorithm === 'crc32') value = u32Base64(zlibCrc32(raw));
  else if (algorithm === 'crc32c') value = u32Base64(crc32c(raw));
  else value = createHash(algorithm).update(raw).digest('base64');
  return `${value}-${parts.length}`;
}
