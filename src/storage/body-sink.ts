/**
 * Receives a request body into a temp file of the bucket: optional aws-chunked decoding, the object's
 * digests (MD5 ETag, CRC32, requested checksums; computed in a worker thread, digest-pool.ts), the size
 * limit, then fsync. On any failure (limit,
 * bad chunk, client abort) the temp file is removed before the error propagates, so nothing of an
 * unfinished upload stays on disk.
 */
import { Writable, type Readable, type Transform } from 'node:stream';
import { unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { ChecksumAlgorithm, Checksums } from './checksums.js';
import { WorkerDigests } from './digest-pool.js';
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
    private readonly digests: WorkerDigests,
    private readonly maxBytes: number,
  ) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    const buffers = chunks.map((c) => c.chunk);
    const hashed = this.digests.update(buffers);
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
    // The worker hashes while the file is written; wait for both (hashed is set only under backpressure).
    Promise.all([writeAll(this.handle, buffers), hashed]).then(
      () => callback(),
      (err: Error) => callback(err),
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this._writev([{ chunk }], callback);
  }
}

/**
 * writev() until every byte is down: a regular file may take fewer bytes than asked (a disk that fills
 * up mid-call) without an error, and FileHandle.writev does not loop; ignoring that would commit a
 * truncated object under the full size. A call that takes nothing is reported as the full disk it is.
 */
export async function writeAll(
  handle: { writev(buffers: Buffer[]): Promise<{ bytesWritten: number }> },
  buffers: readonly Buffer[],
): Promise<void> {
  let pending = buffers.filter((b) => b.length > 0);
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending);
    if (bytesWritten <= 0) {
      throw Object.assign(new Error('no space left on device: the file took no more bytes'), {
        code: 'ENOSPC',
      });
    }
    let skip = bytesWritten;
    const rest: Buffer[] = [];
    for (const b of pending) {
      if (skip >= b.length) skip -= b.length;
      else {
        rest.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    pending = rest;
  }
}

/**
 * body -> [decoder] -> sink, like stream.pipeline but without destroying the request on a decoder or
 * sink error, so the store can still answer with an S3 error document (then close the connection).
 * A client that goes away mid-body is IncompleteBody.
 */
function pump(body: Readable, decoder: Transform | undefined, sink: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      body.unpipe();
      decoder?.unpipe();
      decoder?.destroy();
      sink.destroy();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    body.on('error', fail);
    body.on('close', () => {
      if (!body.readableEnded)
        fail(new S3Error('IncompleteBody', 'The client closed the connection before the body was complete'));
    });
    decoder?.on('error', fail);
    sink.on('error', fail);
    sink.on('finish', () => {
      if (settled) return;
      settled = true;
      resolve();
    });
    if (decoder) body.pipe(decoder).pipe(sink);
    else body.pipe(sink);
  });
}

export async function receiveBody(
  store: DiskStore,
  bucket: string,
  body: Readable,
  options: { decoder: Transform | undefined; maxBytes: number; wanted: ReadonlySet<ChecksumAlgorithm> },
): Promise<ReceivedBody> {
  const temp = await store.createTempFile(bucket);
  const digests = new WorkerDigests(options.wanted);
  try {
    try {
      await pump(body, options.decoder, new DigestingFileSink(temp.handle, digests, options.maxBytes));
      await temp.handle.sync();
    } finally {
      await temp.handle.close();
    }
  } catch (err) {
    digests.abort();
    await unlink(temp.path).catch(() => undefined);
    throw err;
  }
  try {
    const { md5, checksums, sha256Hex } = await digests.finish();
    return { tempPath: temp.path, size: digests.size, md5, checksums, sha256Hex };
  } catch (err) {
    await unlink(temp.path).catch(() => undefined);
    throw err;
  }
}
