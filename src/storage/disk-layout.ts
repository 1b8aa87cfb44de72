/**
 * The on-disk object store. Layout under the store root:
 *
 *   buckets/<bucket>/bucket.json           creation record (its presence is the bucket)
 *   buckets/<bucket>/meta/<sha256(key)>.json   sidecar: key, size, ETag, content headers, checksums, data file
 *   buckets/<bucket>/data/<sha256(key)>-<rand> object bytes, referenced by exactly one sidecar
 *   buckets/<bucket>/tmp/<pid>-<start>-<rand>  uploads in progress (named after the writing process)
 *   buckets/<bucket>/multipart/<uploadId>/  see multipart-store.ts
 *   buckets/<bucket>/quarantine/            what the start-up scan set aside: data.<file>, meta.<file>
 *
 * Commit order (the sidecar rename is the commit point): body -> tmp file, fsync; rename into data/,
 * fsync data/; sidecar written with writeFileAtomic (tmp + fsync + rename + fsync meta/); then the
 * previous data file is unlinked. An object is therefore never visible without its metadata, and a
 * crash leaves at most an unreferenced data file or a tmp file.
 * File names derive from a hash of the key, never from the key itself.
 *
 * The start-up scan (init) never deletes a data file: it cannot tell a crash's leftover from the data
 * file of a commit another process is making right now (between its data rename and its sidecar). It
 * lists data/ before it reads meta/, so whatever was committed before the listing is referenced; an
 * unreferenced data file is moved to quarantine/ only once it is older than a safety age, and left in
 * place (and reported) before. A sidecar that does not parse is quarantined, and the rest is served.
 * restoreQuarantined() rebuilds an object from a quarantined data file (camlink fsck).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, type Dirent } from 'node:fs';
import {
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
  stat,
  statfs,
  unlink,
  utimes,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import { fileExists, fsyncDir, PUBLIC_FILE_MODE, writeFileAtomic } from '../util/atomic-file.js';
import { CamlinkError, systemErrorCode } from '../errors/camlink-error.js';
import { createLogger, type Logger } from '../log/logger.js';
import { ownStartTicks, pidExists, processAlive } from '../util/process-liveness.js';
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

/** Unreferenced data files younger than this stay in place at start (see the file comment). */
export const UNREFERENCED_MIN_AGE_MS = 10 * 60 * 1000;

export interface DiskStoreOptions {
  /** Where the start-up scan reports what it quarantined, left in place or found damaged. */
  logger?: Logger;
  /** Safety age of unreferenced data files and stray temp files (default UNREFERENCED_MIN_AGE_MS). */
  unreferencedMinAgeMs?: number;
}

/** A file the start-up scan moved to buckets/<bucket>/quarantine/ (listQuarantined). */
export interface QuarantinedFile {
  /** The name in quarantine/: data.<data file> or meta.<sidecar> (a .N suffix when the name was taken). */
  name: string;
  path: string;
  kind: 'data' | 'meta';
  /** sha256(key) the file name carries (compare with keyHash(key)), when it carries one. */
  keyHash: string | undefined;
  size: number;
  modified: string;
}

/** What the start-up scan did (also logged as its summary line). */
export interface ScanReport {
  buckets: number;
  objects: number;
  quarantined: number;
  /** Unreferenced data files younger than the safety age, left where they are. */
  leftInPlace: number;
  /** Sidecars whose data file is missing (GetObject answers 500 InternalError for them). */
  missingData: number;
  tempRemoved: number;
}

type SidecarRead =
  | { gone: true; meta?: undefined; corrupt?: undefined }
  | { gone: false; meta: ObjectMeta; corrupt?: undefined }
  | { gone: false; meta?: undefined; corrupt: string };

const SIDECAR = /^([0-9a-f]{64})\.json$/;
/** writeFileAtomic's temp file of a sidecar: .<sha>.json.tmp-<pid>-<rand>. */
const SIDECAR_TEMP = /^\.[0-9a-f]{64}\.json\.tmp-(\d+)-[0-9a-f]+$/;
/** createTempFile's names: <pid>-<process start ticks, or x>-<rand>. */
const TEMP_FILE = /^(\d+)-(\d+|x)-[0-9a-f]+$/;
const DATA_FILE = /^([0-9a-f]{64})-[0-9a-f]{16}$/;

export class DiskStore {
  readonly #buckets = new Map<string, BucketIndex>();
  readonly #locks = new Map<string, Promise<void>>();
  readonly #logger: Logger;
  readonly #minAgeMs: number;

  constructor(
    readonly root: string,
    options: DiskStoreOptions = {},
  ) {
    this.#logger = options.logger ?? createLogger({ level: 'silent' });
    this.#minAgeMs = options.unreferencedMinAgeMs ?? UNREFERENCED_MIN_AGE_MS;
  }

  bucketDir(bucket: string): string {
    return join(this.root, 'buckets', bucket);
  }

  /**
   * Loads every bucket's index. Never deletes a data file and never stops on one bad file: see the file
   * comment. Removes temp files of uploads whose process is gone (or that are older than the safety age).
   */
  async init(): Promise<ScanReport> {
    const dir = join(this.root, 'buckets');
    await mkdir(dir, { recursive: true, mode: 0o755 });
    const report: ScanReport = {
      buckets: 0,
      objects: 0,
      quarantined: 0,
      leftInPlace: 0,
      missingData: 0,
      tempRemoved: 0,
    };
    for (const name of await readdir(dir)) {
      const created = await this.#readBucketRecord(name);
      if (created === undefined) continue;
      const index: BucketIndex = { created, objects: new Map(), sorted: undefined };
      await this.#scanBucket(name, index, report);
      this.#buckets.set(name, index);
      report.buckets++;
      report.objects += index.objects.size;
    }
    const summary = 'object store scan done: objects loaded, files quarantined';
    if (report.quarantined > 0 || report.leftInPlace > 0 || report.missingData > 0)
      this.#logger.warn({ root: this.root, ...report }, summary);
    else this.#logger.info({ root: this.root, ...report }, summary);
    return report;
  }

  /** The bucket's creation time, or undefined when the directory is not a bucket (no bucket.json). */
  async #readBucketRecord(name: string): Promise<string | undefined> {
    const file = join(this.bucketDir(name), 'bucket.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (systemErrorCode(err) === 'ENOENT' || systemErrorCode(err) === 'ENOTDIR') return undefined;
      throw err;
    }
    const parsed = bucketRecordSchema.safeParse(safeJson(text));
    if (parsed.success) return parsed.data.created;
    // Its content is derivable (the name is the directory's): rebuild it rather than lose the bucket.
    const created = (await stat(file)).mtime.toISOString();
    this.#logger.error(
      { code: 'STORAGE_SIDECAR_CORRUPT', file, bucket: name },
      'a bucket record does not parse; rewritten from the directory name and the file time',
    );
    await writeFileAtomic(file, JSON.stringify({ name, created }), {
      mode: PUBLIC_FILE_MODE,
      overwrite: true,
    });
    return created;
  }

  async #scanBucket(bucket: string, index: BucketIndex, report: ScanReport): Promise<void> {
    const dir = this.bucketDir(bucket);
    for (const sub of ['meta', 'data', 'tmp', 'multipart'])
      await mkdir(join(dir, sub), { recursive: true, mode: 0o755 });
    // data/ first: a data file committed before this listing has its sidecar by the time meta/ is read.
    const listed = new Set(await readdir(join(dir, 'data')));
    const referenced = new Set<string>();
    for (const entry of await readdir(join(dir, 'meta'), { withFileTypes: true })) {
      const file = entry.name;
      const path = join(dir, 'meta', file);
      const sidecar = SIDECAR.exec(file);
      if (sidecar !== null && entry.isFile()) {
        const read = await this.#readSidecar(path, sidecar[1] ?? '');
        if (read.gone) continue; // deleted meanwhile (a live store's DeleteObject)
        if (read.meta === undefined) {
          const moved = await this.#quarantine(bucket, 'meta', file);
          if (moved !== undefined) report.quarantined++;
          this.#logger.warn(
            { code: 'STORAGE_SIDECAR_CORRUPT', file: path, quarantined: moved, reason: read.corrupt },
            'a sidecar does not parse: moved to quarantine, its object is not served; the rest is',
          );
          continue;
        }
        const meta = read.meta;
        index.objects.set(meta.key, meta);
        referenced.add(meta.dataFile);
        if (!listed.has(meta.dataFile) && !(await fileExists(join(dir, 'data', meta.dataFile)))) {
          report.missingData++;
          this.#logger.error(
            {
              code: 'STORAGE_OBJECT_DAMAGED',
              bucket,
              objectKey: meta.key,
              file: join(dir, 'data', meta.dataFile),
            },
            'a sidecar names a data file that is missing: GetObject answers 500 until it is restored',
          );
        }
        continue;
      }
      const temp = SIDECAR_TEMP.exec(file);
      if (temp !== null) {
        // A sidecar temp is never a commit (the rename is); only its writer may still rename it.
        if (!pidExists(Number(temp[1])) || (await this.#olderThanSafetyAge(path))) {
          await rm(path, { force: true });
        }
        continue;
      }
      const moved = await this.#quarantine(bucket, 'meta', file);
      if (moved !== undefined) {
        report.quarantined++;
        this.#logger.warn(
          { file: path, quarantined: moved },
          'an unexpected file in meta/: moved to quarantine',
        );
      }
    }
    for (const file of listed) {
      if (referenced.has(file)) continue;
      const path = join(dir, 'data', file);
      const old = await this.#olderThanSafetyAge(path);
      if (old === undefined) continue; // unlinked meanwhile (replaced by an overwrite)
      if (!old) {
        report.leftInPlace++;
        this.#logger.warn(
          { code: 'STORAGE_DATA_UNREFERENCED', file: path, minAgeSeconds: this.#minAgeMs / 1000 },
          'an unreferenced data file is younger than the safety age: left in place (a commit may be under way)',
        );
        continue;
      }
      // Its key's sidecar may have been committed since meta/ was read (a concurrent writer).
      const hash = DATA_FILE.exec(file)?.[1];
      if (hash !== undefined) {
        const now = await this.#readSidecar(join(dir, 'meta', `${hash}.json`), hash);
        if (now.meta?.dataFile === file) continue;
      }
      const moved = await this.#quarantine(bucket, 'data', file);
      if (moved === undefined) continue;
      report.quarantined++;
      this.#logger.warn(
        { code: 'STORAGE_DATA_UNREFERENCED', file: path, quarantined: moved },
        'an unreferenced data file (no sidecar names it): moved to quarantine, not deleted',
      );
    }
    report.tempRemoved += await this.#removeStaleTemps(join(dir, 'tmp'));
  }

  /** The sidecar; gone when it no longer exists; corrupt: why it does not parse. */
  async #readSidecar(path: string, hash: string): Promise<SidecarRead> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (systemErrorCode(err) === 'ENOENT') return { gone: true };
      // Not the file's fault (permissions, EMFILE, EIO): the start stops with the error naming the file.
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      return { gone: false, corrupt: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
    }
    const parsed = objectMetaSchema.safeParse(json);
    if (!parsed.success)
      return { gone: false, corrupt: `not a sidecar: ${parsed.error.issues[0]?.message ?? 'schema'}` };
    if (keyHash(parsed.data.key) !== hash)
      return { gone: false, corrupt: 'its key does not hash to its file name' };
    return { gone: false, meta: parsed.data };
  }

  /** Temp files of processes that are gone, or older than the safety age; a live writer's stay. */
  async #removeStaleTemps(tmp: string): Promise<number> {
    let removed = 0;
    for (const file of await readdir(tmp)) {
      const path = join(tmp, file);
      const owner = TEMP_FILE.exec(file);
      const ownerGone =
        owner !== null && !processAlive(Number(owner[1]), owner[2] === 'x' ? undefined : owner[2]);
      if (ownerGone || (await this.#olderThanSafetyAge(path)) === true) {
        await rm(path, { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }

  /** undefined when the file does not exist (any more). */
  async #olderThanSafetyAge(path: string): Promise<boolean | undefined> {
    try {
      return Date.now() - (await stat(path)).mtimeMs >= this.#minAgeMs;
    } catch (err) {
      if (systemErrorCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  /**
   * Moves buckets/<bucket>/<from>/<file> to quarantine/<from>.<file> without replacing anything there
   * (link, then unlink the original). Returns the new path, or undefined when the file is gone or is
   * not a regular file (left where it is).
   */
  async #quarantine(bucket: string, from: 'data' | 'meta', file: string): Promise<string | undefined> {
    const dir = this.bucketDir(bucket);
    const source = join(dir, from, file);
    const quarantine = join(dir, 'quarantine');
    await mkdir(quarantine, { recursive: true, mode: 0o755 });
    for (let n = 0; ; n++) {
      const target = join(quarantine, `${from}.${file}${n === 0 ? '' : `.${n}`}`);
      try {
        await link(source, target);
      } catch (err) {
        const code = systemErrorCode(err);
        if (code === 'EEXIST') continue;
        if (code === 'ENOENT') return undefined;
        if (code === 'EPERM' || code === 'EISDIR') {
          this.#logger.warn({ file: source }, 'not a regular file: left in place');
          return undefined;
        }
        throw err;
      }
      await fsyncDir(quarantine);
      await unlink(source).catch(ignoreMissing);
      await fsyncDir(join(dir, from));
      return target;
    }
  }

  /** What the start-up scan set aside in buckets/<bucket>/quarantine/, by name. */
  async listQuarantined(bucket: string): Promise<QuarantinedFile[]> {
    this.#index(bucket);
    const quarantine = join(this.bucketDir(bucket), 'quarantine');
    let entries: Dirent[];
    try {
      entries = await readdir(quarantine, { withFileTypes: true });
    } catch (err) {
      if (systemErrorCode(err) === 'ENOENT') return [];
      throw err;
    }
    const out: QuarantinedFile[] = [];
    for (const entry of entries) {
      const m = /^(data|meta)\.([0-9a-f]{64})?/.exec(entry.name);
      if (m === null || !entry.isFile()) continue;
      const path = join(quarantine, entry.name);
      const info = await stat(path).catch(() => undefined);
      if (info === undefined) continue;
      out.push({
        name: entry.name,
        path,
        kind: m[1] === 'data' ? 'data' : 'meta',
        keyHash: m[2],
        size: info.size,
        modified: info.mtime.toISOString(),
      });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /**
   * Makes a quarantined data file of `key` (quarantine/data.<sha256(key)>-*; the newest when there are
   * several) the object `key` again: the sidecar is rebuilt from the bytes (size, MD5 ETag, CRC32 and
   * SHA-256 checksums, Last-Modified from the file time) plus `hints`, and committed like a PUT. The
   * quarantined file is removed only once the object is committed. Returns undefined when nothing of
   * `key` is in quarantine; refuses (CONFLICT) to replace an intact object of that key.
   */
  async restoreQuarantined(
    bucket: string,
    key: string,
    hints: { contentType?: string; userMetadata?: Record<string, string> },
  ): Promise<ObjectMeta | undefined> {
    const index = this.#index(bucket);
    const hash = keyHash(key);
    const candidates = (await this.listQuarantined(bucket)).filter(
      (f) => f.kind === 'data' && f.name.startsWith(`data.${hash}-`),
    );
    const chosen = candidates.sort((a, b) => (a.modified < b.modified ? 1 : -1))[0];
    if (chosen === undefined) return undefined;
    const current = index.objects.get(key);
    if (current !== undefined) {
      const size = await stat(this.dataPath(bucket, current)).then(
        (s) => s.size,
        () => undefined,
      );
      if (size === current.size) {
        throw new CamlinkError(
          'CONFLICT',
          `${bucket}/${key} is stored and its data file is intact; not replaced by ${chosen.path}`,
        );
      }
    }
    const digests = await digestFile(chosen.path);
    const temp = join(this.bucketDir(bucket), 'tmp', tempFileName());
    await link(chosen.path, temp);
    // A fresh mtime: a concurrent start-up scan must not take the data file for an old leftover.
    const now = new Date();
    await utimes(temp, now, now);
    const restored = await this.commit(
      bucket,
      {
        key,
        size: digests.size,
        etag: digests.md5Hex,
        lastModified: chosen.modified,
        contentType: hints.contentType ?? 'binary/octet-stream',
        headers: {},
        userMetadata: hints.userMetadata ?? {},
        checksums: { crc32: digests.crc32, sha256: digests.sha256 },
      },
      temp,
    );
    await unlink(chosen.path).catch(ignoreMissing);
    await fsyncDir(join(this.bucketDir(bucket), 'quarantine'));
    this.#logger.info(
      { bucket, objectKey: key, from: chosen.path, size: digests.size },
      'restored an object from quarantine',
    );
    return restored;
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
    if ((await this.listQuarantined(bucket)).length > 0) {
      throw new S3Error(
        'BucketNotEmpty',
        'The bucket holds quarantined files (buckets/<bucket>/quarantine/, see camlink fsck); they are not deleted with it.',
      );
    }
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
    const path = join(this.bucketDir(bucket), 'tmp', tempFileName());
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

/** A temp file named after this process, so a start-up scan elsewhere knows whether its writer lives. */
function tempFileName(): string {
  return `${process.pid}-${ownStartTicks ?? 'x'}-${randomBytes(8).toString('hex')}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Size, MD5 (hex) and the CRC32 / SHA-256 checksums (base64) of a file, as a PUT records them. */
async function digestFile(
  path: string,
): Promise<{ size: number; md5Hex: string; crc32: string; sha256: string }> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  let crc = 0;
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    const buf = chunk as Buffer;
    md5.update(buf);
    sha256.update(buf);
    crc = crc32(buf, crc);
    size += buf.length;
  }
  const crcBytes = Buffer.alloc(4);
  crcBytes.writeUInt32BE(crc >>> 0);
  return {
    size,
    md5Hex: md5.digest('hex'),
    crc32: crcBytes.toString('base64'),
    sha256: sha256.digest('base64'),
  };
}

function ignoreMissing(err: unknown): void {
  if (systemErrorCode(err) !== 'ENOENT') throw err;
}

export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
