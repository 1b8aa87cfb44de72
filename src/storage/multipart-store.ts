/**
 * Multipart uploads on disk (S3 API Reference "Multipart upload"): one directory per upload under
 * buckets/<bucket>/multipart/<uploadId>/ with upload.json (key, content headers, metadata) and, per part,
 * a data file <n>-<rand> plus <n>.json (ETag, size, checksums) written atomically after it. Complete
 * concatenates the parts into a temp file (fsynced), and the object is committed like a PutObject.
 * Nothing of an upload is visible as an object before Complete; Abort removes the directory.
 */
import { randomBytes, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { systemErrorCode } from '../errors/camlink-error.js';
import { fsyncDir, PUBLIC_FILE_MODE, writeFileAtomic } from '../util/atomic-file.js';
import { compositeChecksum, isChecksumAlgorithm, type Checksums } from './checksums.js';
import { writeAll } from './body-sink.js';
import { compareUtf8, type DiskStore, type NewObjectMeta } from './disk-layout.js';
import { S3Error } from './s3-errors.js';
import type { CompletedPart } from './xml.js';

const UPLOAD_ID = /^[0-9a-f]{32}$/;

const uploadSchema = z.strictObject({
  key: z.string(),
  initiated: z.string(),
  contentType: z.string(),
  headers: z.record(z.string(), z.string()),
  userMetadata: z.record(z.string(), z.string()),
});
export type UploadRecord = z.infer<typeof uploadSchema>;

const partSchema = z.strictObject({
  partNumber: z.number().int(),
  etag: z.string(),
  size: z.number().int().nonnegative(),
  lastModified: z.string(),
  checksums: z.record(z.string(), z.string()),
  dataFile: z.string().regex(/^\d{1,5}-[0-9a-f]{16}$/),
});
export type PartRecord = z.infer<typeof partSchema>;

export class MultipartStore {
  constructor(private readonly store: DiskStore) {}

  #dir(bucket: string, uploadId: string): string {
    if (!UPLOAD_ID.test(uploadId)) throw new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });
    return join(this.store.bucketDir(bucket), 'multipart', uploadId);
  }

  async create(bucket: string, record: UploadRecord): Promise<string> {
    if (!this.store.hasBucket(bucket)) throw new S3Error('NoSuchBucket', undefined, { BucketName: bucket });
    const uploadId = randomBytes(16).toString('hex');
    const dir = this.#dir(bucket, uploadId);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    await writeFileAtomic(join(dir, 'upload.json'), JSON.stringify(record), {
      mode: PUBLIC_FILE_MODE,
      overwrite: false,
    });
    return uploadId;
  }

  async get(bucket: string, uploadId: string, key: string): Promise<UploadRecord> {
    if (!this.store.hasBucket(bucket)) throw new S3Error('NoSuchBucket', undefined, { BucketName: bucket });
    let record: UploadRecord;
    try {
      record = uploadSchema.parse(
        JSON.parse(await readFile(join(this.#dir(bucket, uploadId), 'upload.json'), 'utf8')),
      );
    } catch (err) {
      if (systemErrorCode(err) === 'ENOENT')
        throw new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });
      throw err;
    }
    if (record.key !== key) throw new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });
    return record;
  }

  /** Moves a received temp file in as part `partNumber`, replacing an earlier upload of that part. */
  async putPart(
    bucket: string,
    uploadId: string,
    part: Omit<PartRecord, 'dataFile'>,
    tempPath: string,
  ): Promise<void> {
    const dir = this.#dir(bucket, uploadId);
    const dataFile = `${part.partNumber}-${randomBytes(8).toString('hex')}`;
    const previous = await this.#readPart(dir, part.partNumber);
    await rename(tempPath, join(dir, dataFile));
    await writeFileAtomic(join(dir, `${part.partNumber}.json`), JSON.stringify({ ...part, dataFile }), {
      mode: PUBLIC_FILE_MODE,
      overwrite: true,
    });
    if (previous) await unlink(join(dir, previous.dataFile)).catch(() => undefined);
  }

  async listParts(bucket: string, uploadId: string): Promise<PartRecord[]> {
    const dir = this.#dir(bucket, uploadId);
    const parts: PartRecord[] = [];
    for (const file of await readdir(dir)) {
      const m = /^(\d+)\.json$/.exec(file);
      if (!m) continue;
      const part = await this.#readPart(dir, Number(m[1]));
      if (part) parts.push(part);
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  /** The bucket's uploads in progress (ListMultipartUploads): by key, then initiation time. */
  async listUploads(bucket: string): Promise<{ uploadId: string; key: string; initiated: string }[]> {
    if (!this.store.hasBucket(bucket)) throw new S3Error('NoSuchBucket', undefined, { BucketName: bucket });
    const uploads: { uploadId: string; key: string; initiated: string }[] = [];
    for (const uploadId of await readdir(join(this.store.bucketDir(bucket), 'multipart'))) {
      if (!UPLOAD_ID.test(uploadId)) continue;
      let record: UploadRecord;
      try {
        record = uploadSchema.parse(
          JSON.parse(await readFile(join(this.#dir(bucket, uploadId), 'upload.json'), 'utf8')),
        );
      } catch (err) {
        if (systemErrorCode(err) === 'ENOENT') continue; // completed or aborted meanwhile
        throw err;
      }
      uploads.push({ uploadId, key: record.key, initiated: record.initiated });
    }
    return uploads.sort(
      (a, b) =>
        compareUtf8(a.key, b.key) ||
        a.initiated.localeCompare(b.initiated) ||
        a.uploadId.localeCompare(b.uploadId),
    );
  }

  async abort(bucket: string, uploadId: string, key: string): Promise<void> {
    await this.get(bucket, uploadId, key);
    await rm(this.#dir(bucket, uploadId), { recursive: true, force: true });
    await fsyncDir(join(this.store.bucketDir(bucket), 'multipart'));
  }

  /** Validates the client's part list, concatenates the parts and commits the object. */
  async complete(
    bucket: string,
    uploadId: string,
    key: string,
    requested: readonly CompletedPart[],
    limits: { minPartBytes: number; maxObjectBytes: number },
    now: Date,
  ): Promise<{ etag: string; checksums: Checksums }> {
    const upload = await this.get(bucket, uploadId, key);
    const stored = new Map((await this.listParts(bucket, uploadId)).map((p) => [p.partNumber, p]));
    const chosen: PartRecord[] = [];
    let previousNumber = 0;
    let total = 0;
    for (const want of requested) {
      if (want.partNumber <= previousNumber) throw new S3Error('InvalidPartOrder');
      previousNumber = want.partNumber;
      const part = stored.get(want.partNumber);
      if (part === undefined || part.etag !== want.etag) {
        throw new S3Error(
          'InvalidPart',
          `Part ${want.partNumber} was not uploaded or its ETag does not match`,
          {
            PartNumber: String(want.partNumber),
          },
        );
      }
      for (const [alg, value] of Object.entries(want.checksums)) {
        if (part.checksums[alg] !== value) {
          throw new S3Error('InvalidPart', `The ${alg} checksum of part ${want.partNumber} does not match`);
        }
      }
      chosen.push(part);
    }
    for (const [i, part] of chosen.entries()) {
      if (i < chosen.length - 1 && part.size < limits.minPartBytes) {
        throw new S3Error(
          'EntityTooSmall',
          `Part ${part.partNumber} is ${part.size} bytes; every part but the last needs ${limits.minPartBytes}`,
          {
            ProposedSize: String(part.size),
            MinSizeAllowed: String(limits.minPartBytes),
            PartNumber: String(part.partNumber),
          },
        );
      }
      total += part.size;
    }
    if (total > limits.maxObjectBytes) {
      throw new S3Error(
        'EntityTooLarge',
        `The parts add up to ${total} bytes; the limit is ${limits.maxObjectBytes}`,
      );
    }

    const dir = this.#dir(bucket, uploadId);
    const temp = await this.store.createTempFile(bucket);
    try {
      try {
        const sink = new Writable({
          highWaterMark: 1024 * 1024,
          writev: (chunks, cb) => {
            writeAll(
              temp.handle,
              chunks.map((c) => c.chunk as Buffer),
            ).then(() => cb(), cb);
          },
        });
        // One pipeline for all the parts: a pipeline per part into this one sink (end: false) left its
        // error/close/finish/end listeners on the sink, a MaxListenersExceededWarning past 10 parts.
        async function* partsInOrder(): AsyncGenerator<Buffer> {
          for (const part of chosen) {
            yield* createReadStream(join(dir, part.dataFile), { highWaterMark: 1024 * 1024 });
          }
        }
        await pipeline(partsInOrder, sink);
        await temp.handle.sync();
      } finally {
        await temp.handle.close();
      }
    } catch (err) {
      await unlink(temp.path).catch(() => undefined);
      throw err;
    }

    const md5s = Buffer.concat(chosen.map((p) => Buffer.from(p.etag, 'hex')));
    const etag = `${createHash('md5').update(md5s).digest('hex')}-${chosen.length}`;
    const checksums: Checksums = {};
    for (const alg of Object.keys(chosen[0]?.checksums ?? {})) {
      if (!isChecksumAlgorithm(alg)) continue;
      const values = chosen.map((p) => p.checksums[alg]);
      if (values.every((v): v is string => v !== undefined)) checksums[alg] = compositeChecksum(alg, values);
    }
    const meta: NewObjectMeta = {
      key,
      size: total,
      etag,
      lastModified: now.toISOString(),
      contentType: upload.contentType,
      headers: upload.headers,
      userMetadata: upload.userMetadata,
      checksums,
      partsCount: chosen.length,
    };
    await this.store.commit(bucket, meta, temp.path);
    await rm(dir, { recursive: true, force: true });
    return { etag, checksums };
  }

  async #readPart(dir: string, partNumber: number): Promise<PartRecord | undefined> {
    try {
      return partSchema.parse(JSON.parse(await readFile(join(dir, `${partNumber}.json`), 'utf8')));
    } catch (err) {
      if (systemErrorCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }
}
