/**
 * The on-disk object store. Layout under the store root:
 *
 *   buckets/<bucket>/bucket.json           creation record (its presence is the bucket)
 *   buckets/<bucket>/meta/<sha256(key)>.json   sidecar: key, size, ETag, content headers, checksums, data file
 *   buckets/<bucket>/data/<sha256(key)>-<rand> object bytes, referenced by exactly one sidecar
 *   buckets/<bucket>/tmp/<rand>             uploads in progress (removed on error and at start)
 *   buckets/<bucket>/multipart/<uploadId>/  see multipart-store.ts
 *
 * Commit order (the sidecar rename is the commit point): body -> tmp file, fsync; rename into data/,
 * fsync data/; sidecar written with writeFileAtomic (tmp + fsync + rename + fsync meta/); then the
 * previous data file is unlinked. An object is therefore never visible without its metadata, and a
 * crash leaves at most an unreferenced data file or a tmp file, both removed by init().
 * File names derive from a hash of the key, never from the key itself.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
  statfs,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { fsyncDir, PUBLIC_FILE_MODE, writeFileAtomic } from '../util/atomic-file.js';
import { systemErrorCode } from '../errors/camlink-error.js';
import { S3Error } from './s3-errors.js';

export const objectMetaSchema = z.strictObject({
  key: z.string(),
  size: z.number().int().nonnegative(),
  etag: z.string(),
  lastModified: z.string(),
  contentType: z.string(),
  /** content-encoding, content-disposition, cache-control, content-language, expires, as sent. */
  headers: z.record(z.string(), z.string()),
  userMetadata: z.record(z.string(), z.string()),
  checksums: z.record(z.string(), z.string()),
  partsCount: z.number().int().positive().optional(),
  dataFile: z.string().regex(/^[0-9a-f]{64}-[0-9a-f]{16}$/),
});
export type ObjectMeta = z.infer<typeof objectMetaSchema>;
export type NewObjectMeta = Omit<ObjectMeta, 'dataFile'>;

interface BucketIndex {
  created: string;
  objects: Map<string, ObjectMeta>;
  sorted: string[] | undefined;
}

export interface TempFile {
  path: string;
  handle: FileHandle;
}

const bucketRecordSchema = z.strictObject({ name: z.string(), created: z.string() });

export function keyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export class DiskStore {
  readonly #buckets = new Map<string, BucketIndex>();
  readonly #locks = new Map<string, Promise<void>>();

  constructor(readonly root: string) {}

  bucketDir(bucket: string): string {
    return join(this.root, 'buckets', bucket);
  }

  /** Loads every bucket's index and removes what crashed or aborted uploads left behind. */
  async init(): Promise<void> {
    const dir = join(this.root, 'buckets');
    await mkdir(dir, { recursive: true, mode: 0o755 });
    for (const name of await readdir(dir)) {
      let record: z.infer<typeof bucketRecordSchema>;
      try {
        record = bucketRecordSchema.parse(JSON.parse(await readFile(join(dir, name, 'bucket.json'), 'utf8')));
      } catch (err) {
        if (systemErrorCode(err) === 'ENOENT') continue;
        throw err;
      }
      const index: BucketIndex = { created: record.created, objects: new Map(), sorted: undefined };
      const referenced = new Set<string>();
      for (const file of await readdir(join(dir, name, 'meta'))) {
        if (!/^[0-9a-f]{64}\.json$/.test(file)) {
          await rm(join(dir, name, 'meta', file), { force: true });
          continue;
        }
        const meta = objectMetaSchema.parse(
          JSON.parse(await readFile(join(dir, name, 'meta', file), 'utf8')),
        );
        index.objects.set(meta.key, meta);
        referenced.add(meta.dataFile);
      }
      for (const file of await readdir(join(dir, name, 'data'))) {
        if (!referenced.has(file)) await rm(join(dir, name, 'data', file), { force: true });
      }
      await rm(join(dir, name, 'tmp'), { recursive: true, force: true });
      await mkdir(join(dir, name, 'tmp'), { mode: 0o755 });
      this.#buckets.set(name, index);
    }
  }

  hasBucket(bucket: string): boolean {
    return this.#buckets.has(bucket);
  }

  listBuckets(): { name: string; created: string }[] {
    return [...this.#buckets.entries()]
      .map(([name, index]) => ({ name, created: index.created }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async createBucket(bucket: string, now: Date): Promise<void> {
    if (this.#buckets.has(bucket)) throw new S3Error('BucketAlreadyOwnedByYou');
    const dir = this.bucketDir(bucket);
    for (const sub of ['meta', 'data', 'tmp', 'multipart'])
      await mkdir(join(dir, sub), { recursive: true, mode: 0o755 });
    const created = now.toISOString();
    await writeFileAtomic(join(dir, 'bucket.json'), JSON.stringify({ name: bucket, created }), {
      mode: PUBLIC_FILE_MODE,
      overwrite: true,
    });
    await fsyncDir(join(this.root, 'buckets'));
    this.#buckets.set(bucket, { created, objects: new Map(), sorted: undefined });
  }

  async deleteBucket(bucket: string): Promise<void> {
    const index = this.#index(bucket);
    if (index.objects.size > 0) throw new S3Error('BucketNotEmpty');
    const dir = this.bucketDir(bucket);
    if ((await readdir(join(dir, 'multipart'))).length > 0) throw new S3Error('BucketNotEmpty');
    this.#buckets.delete(bucket);
    await unlink(join(dir, 'bucket.json'));
    await rm(dir, { recursive: true, force: true });
    await fsyncDir(join(this.root, 'buckets'));
  }

  getObject(bucket: string, key: string): ObjectMeta | undefined {
    return this.#index(bucket).objects.get(key);
  }

  dataPath(bucket: string, meta: ObjectMeta): string {
    return join(this.bucketDir(bucket), 'data', meta.dataFile);
  }

  /** Keys in UTF-8 binary order, as S3 lists them. */
  sortedKeys(bucket: string): readonly string[] {
    const index = this.#index(bucket);
    index.sorted ??= [...index.objects.keys()].sort(compareUtf8);
    return index.sorted;
  }

  /** Bytes an unprivileged writer may still use on the store's filesystem (statfs f_bavail). */
  async freeBytes(): Promise<number> {
    const fs = await statfs(this.root);
    return fs.bavail * fs.bsize;
  }

  async createTempFile(bucket: string): Promise<TempFile> {
    this.#index(bucket);
    const path = join(this.bucketDir(bucket), 'tmp', randomBytes(12).toString('hex'));
    const handle = await open(path, 'wx', PUBLIC_FILE_MODE);
    return { path, handle };
  }

  /** Makes a fsynced, closed temp file the object `meta.key` (see the commit order above). */
  async commit(bucket: string, meta: NewObjectMeta, tempPath: string): Promise<ObjectMeta> {
    const index = this.#index(bucket);
    const hash = keyHash(meta.key);
    const dir = this.bucketDir(bucket);
    return this.#withKeyLock(`${bucket}/${meta.key}`, async () => {
      const dataFile = `${hash}-${randomBytes(8).toString('hex')}`;
      const dataPath = join(dir, 'data', dataFile);
      const full: ObjectMeta = { ...meta, dataFile };
      try {
        await rename(tempPath, dataPath);
        await fsyncDir(join(dir, 'data'));
        await writeFileAtomic(join(dir, 'meta', `${hash}.json`), JSON.stringify(full), {
          mode: PUBLIC_FILE_MODE,
          overwrite: true,
        });
      } catch (err) {
        // Not committed (e.g. ENOSPC on the sidecar): the previous version stays, nothing is orphaned.
        await unlink(tempPath).catch(() => undefined);
        await unlink(dataPath).catch(() => undefined);
        throw err;
      }
      const previous = index.objects.get(meta.key);
      if (!index.objects.has(meta.key)) index.sorted = undefined;
      index.objects.set(meta.key, full);
      if (previous !== undefined) await unlink(join(dir, 'data', previous.dataFile)).catch(ignoreMissing);
      return full;
    });
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    const index = this.#index(bucket);
    const dir = this.bucketDir(bucket);
    await this.#withKeyLock(`${bucket}/${key}`, async () => {
      const previous = index.objects.get(key);
      if (previous === undefined) return;
      await unlink(join(dir, 'meta', `${keyHash(key)}.json`)).catch(ignoreMissing);
      await fsyncDir(join(dir, 'meta'));
      index.objects.delete(key);
      index.sorted = undefined;
      await unlink(join(dir, 'data', previous.dataFile)).catch(ignoreMissing);
    });
  }

  #index(bucket: string): BucketIndex {
    const index = this.#buckets.get(bucket);
    if (index === undefined) throw new S3Error('NoSuchBucket', undefined, { BucketName: bucket });
    return index;
  }

  async #withKeyLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#locks.get(id) ?? Promise.resolve();
    let release = (): void => undefined;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const chained = before.then(() => mine);
    this.#locks.set(id, chained);
    await before;
    try {
      return await fn();
    } finally {
      release();
      if (this.#locks.get(id) === chained) this.#locks.delete(id);
    }
  }
}

export async function removeQuietly(path: string): Promise<void> {
  await rm(path, { force: true, recursive: true });
}

export async function removeEmptyDir(path: string): Promise<void> {
  await rmdir(path).catch(ignoreMissing);
}

function ignoreMissing(err: unknown): void {
  if (systemErrorCode(err) !== 'ENOENT') throw err;
}

export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
