/**
 * Receives a request body into a temp file of the bucket: optional aws-chunked decoding, the object's
 * digests (MD5 ETag, CRC32, requested checksums), the size limit, then fsync. On any failure (limit,
 * bad chunk, client abort) the temp file is removed before the error propagates, so nothing of an
 * unfinished upload stays on disk.
 */
import { Writable, type Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { BodyDigests, type ChecksumAlgorithm, type Checksums } from './checksums.js';
import type { DiskStore } from './disk-layout.js';
import { S3Error } from './s3-errors.js';

export interface ReceivedBody {
  tempPath: string;
  size: number;
  md5: Buffer;
  checksums: Checksums;
  sha256Hex: string | undefined;
}

class DigestingFileSink extends Writable {
  constructor(
    private readonly handle: FileHandle,
    private readonly digests: BodyDigests,
    private readonly maxBytes: number,
  ) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    const buffers = chunks.map((c) => c.chunk);
    for (const b of buffers) this.digests.update(b);
    if (this.digests.size > this.maxBytes) {
      callback(
        new S3Error(
          'EntityTooLarge',
          `Your proposed upload exceeds the maximum allowed size of ${this.maxBytes} bytes`,
          {
            MaxSizeAllowed: String(this.maxBytes),
          },
        ),
      );
      return;
    }
    this.handle.writev(buffers).then(
      () => callback(),
      (err: Error) => callback(err),
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this._writev([{ chunk }], callback);
  }
}

export async function receiveBody(
  store: DiskStore,
  bucket: string,
  body: Readable,
  options: { decoder: Transform | undefined; maxBytes: number; wanted: ReadonlySet<ChecksumAlgorithm> },
): Promise<ReceivedBody> {
  const temp = await store.createTempFile(bucket);
  const digests = new BodyDigests(options.wanted);
  try {
    try {
      const sink = new DigestingFileSink(temp.handle, digests, options.maxBytes);
      if (options.decoder) await pipeline(body, options.decoder, sink);
      else await pipeline(body, sink);
      await temp.handle.sync();
    } finally {
      await temp.handle.close();
    }
  } catch (err) {
    await unlink(temp.path).catch(() => undefined);
    throw err;
  }
  const { md5, checksums, sha256Hex } = digests.finish();
  return { tempPath: temp.path, size: digests.size, md5, checksums, sha256Hex };
}
