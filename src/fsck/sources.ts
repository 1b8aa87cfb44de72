/**
 * What fsck reads, loaded once and shared by the checks: the backend's upload rows (SQLite file or
 * PostgreSQL), the object store's objects (its files on disk, or the running store's index at platform
 * start-up), the SHA-256 of object data (computed at most once per object), and the SQLite files of
 * the data dir. Reading never changes anything: SQLite files are opened read-only; only --repair opens
 * the backend's database for writing.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import type { StoreLocation } from '../backend/store/open.js';
import type { SqlDriver } from '../backend/store/driver.js';
import { migrate, MIGRATIONS } from '../backend/store/migrations.js';
import { openPostgresDriver } from '../backend/store/postgres-driver.js';
import { num, optStr, SqlBackendStore, str } from '../backend/store/sql-store.js';
import { openSqliteDriver } from '../backend/store/sqlite-driver.js';
import type { BackendStore } from '../backend/store/types.js';
import { isCamlinkError, systemErrorCode } from '../errors/camlink-error.js';
import { keyHash, objectMetaSchema, type DiskStore } from '../storage/disk-layout.js';
import { fileExists } from '../util/atomic-file.js';

export type Loaded<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export interface UploadRow {
  readonly uploadId: string;
  readonly deviceId: string;
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  readonly status: string;
  readonly size: number | undefined;
  readonly sha256: string | undefined;
  readonly deletedAt: number | undefined;
}

export interface BackendRows {
  readonly byId: ReadonlyMap<string, UploadRow>;
  /** By `bucket/key`. */
  readonly byObject: ReadonlyMap<string, UploadRow>;
  /** The database does not exist yet (a data dir whose backend never started, or PostgreSQL). */
  readonly absent: boolean;
}

export const objectId = (bucket: string, key: string): string => `${bucket}/${key}`;

/** The oldest schema fsck reads (migration 2 added deleted_at). */
const MIN_SCHEMA_VERSION = 2;

export class BackendSource {
  #driver: SqlDriver | undefined;
  #writable = false;
  #rows: Promise<Loaded<BackendRows>> | undefined;

  constructor(
    readonly location: StoreLocation,
    private readonly dataDir: string,
  ) {}

  /** "backend.db" or "PostgreSQL", as the report names it. */
  get name(): string {
    return this.location.kind === 'sqlite' ? basename(this.location.path) : 'PostgreSQL';
  }

  get file(): string | undefined {
    return this.location.kind === 'sqlite' ? this.location.path : undefined;
  }

  async exists(): Promise<boolean> {
    return this.location.kind === 'postgres' || (await fileExists(this.location.path));
  }

  /** Every upload row, read once (deleted ones included). */
  rows(): Promise<Loaded<BackendRows>> {
    this.#rows ??= this.#loadRows();
    return this.#rows;
  }

  /** The store for --repair: opened for writing, migrated to this camlink's schema. */
  async writable(now: number): Promise<BackendStore> {
    if (!this.#writable) {
      await this.close();
      this.#driver = this.#open(false);
      this.#writable = true;
      await migrate(this.#driver, now);
    }
    return new SqlBackendStore(this.#driverOrThrow());
  }

  async close(): Promise<void> {
    const driver = this.#driver;
    this.#driver = undefined;
    this.#writable = false;
    await driver?.close();
  }

  #open(readonly: boolean): SqlDriver {
    return this.location.kind === 'sqlite'
      ? openSqliteDriver(this.location.path, { dataDir: this.dataDir, readonly })
      : openPostgresDriver({ connectionString: this.location.url, schema: this.location.schema, max: 2 });
  }

  #driverOrThrow(): SqlDriver {
    if (this.#driver === undefined) throw new Error('the backend database is not open');
    return this.#driver;
  }

  async #loadRows(): Promise<Loaded<BackendRows>> {
    if (!(await this.exists())) {
      return { ok: true, value: { byId: new Map(), byObject: new Map(), absent: true } };
    }
    try {
      this.#driver ??= this.#open(true);
      const driver = this.#driver;
      let version = 0;
      try {
        const [row] = await driver.query('SELECT MAX(version) AS v FROM schema_migrations');
        version = Number(row?.v ?? 0);
      } catch (err) {
        if (isCamlinkError(err)) throw err;
        version = 0; // no schema_migrations table: never migrated
      }
      if (version === 0) {
        return { ok: true, value: { byId: new Map(), byObject: new Map(), absent: true } };
      }
      if (version < MIN_SCHEMA_VERSION || version > MIGRATIONS.length) {
        return {
          ok: false,
          reason: `${this.name} has schema version ${version}; this camlink reads ${MIN_SCHEMA_VERSION} to ${MIGRATIONS.length} (start the backend once to migrate it, or use the camlink that wrote it)`,
        };
      }
      const rows = await driver.query(
        'SELECT upload_id, device_id, bucket, object_key, content_type, status, size, sha256, deleted_at FROM uploads',
      );
      const byId = new Map<string, UploadRow>();
      const byObject = new Map<string, UploadRow>();
      for (const r of rows) {
        const row: UploadRow = {
          uploadId: str(r.upload_id),
          deviceId: str(r.device_id),
          bucket: str(r.bucket),
          key: str(r.object_key),
          contentType: str(r.content_type),
          status: str(r.status),
          size: optionalNumber(r.size),
          sha256: optStr(r.sha256),
          deletedAt: optionalNumber(r.deleted_at),
        };
        byId.set(row.uploadId, row);
        byObject.set(objectId(row.bucket, row.key), row);
      }
      return { ok: true, value: { byId, byObject, absent: false } };
    } catch (err) {
      return {
        ok: false,
        reason: `${this.name} cannot be read: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
  }
}

function optionalNumber(value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : num(value);
}

export interface CatalogObject {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly contentType: string;
  /** Epoch ms. */
  readonly lastModified: number;
  /** The whole-object SHA-256 the store recorded (hex), when it recorded one. */
  readonly sha256: string | undefined;
  readonly dataPath: string;
  readonly sidecarPath: string | undefined;
}

export interface DamagedFile {
  readonly file: string;
  readonly reason: string;
}

export interface BucketListing {
  readonly objects: ReadonlyMap<string, CatalogObject>;
  /** Sidecars that do not parse (disk catalog only). */
  readonly damaged: readonly DamagedFile[];
  /** Data files no sidecar references (disk catalog only). */
  readonly unreferenced: readonly string[];
}

export interface ObjectCatalog {
  /** `disk`: fsck reads the store's files; `live`: the running store's index (start-up). */
  readonly kind: 'disk' | 'live';
  readonly root: string;
  hasBucket(bucket: string): Promise<boolean>;
  bucket(bucket: string): Promise<BucketListing>;
  /** Drops a bucket's cached listing (a repair changed the bucket): the next bucket() reads it again. */
  forget(bucket: string): void;
}

const bucketRecordSchema = z.object({ name: z.string(), created: z.string() });
const SIDECAR_NAME = /^[0-9a-f]{64}\.json$/;
/** Files read at once while listing a bucket. */
const READ_CONCURRENCY = 32;

/** The whole-object SHA-256 (hex) of a sidecar's checksums; composite (multipart) ones do not count. */
function sidecarSha256(checksums: Readonly<Record<string, string>>, parts: number | undefined) {
  const value = checksums.sha256;
  if (value === undefined || parts !== undefined) return undefined;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === 32 ? bytes.toString('hex') : undefined;
}

/** The object store's files under `root` (DATA_DIR/storage), read without changing anything. */
export function diskCatalog(root: string, progress: (message: string) => void): ObjectCatalog {
  const listings = new Map<string, Promise<BucketListing>>();
  const bucketDir = (bucket: string) => join(root, 'buckets', bucket);
  return {
    kind: 'disk',
    root,
    async hasBucket(bucket) {
      try {
        bucketRecordSchema.parse(JSON.parse(await readFile(join(bucketDir(bucket), 'bucket.json'), 'utf8')));
        return true;
      } catch (err) {
        if (systemErrorCode(err) === 'ENOENT') return false;
        throw err;
      }
    },
    bucket(bucket) {
      let listing = listings.get(bucket);
      if (listing === undefined) {
        listing = readBucket(bucketDir(bucket), bucket, progress);
        listings.set(bucket, listing);
      }
      return listing;
    },
    forget(bucket) {
      listings.delete(bucket);
    },
  };
}

async function readBucket(
  dir: string,
  bucket: string,
  progress: (message: string) => void,
): Promise<BucketListing> {
  const objects = new Map<string, CatalogObject>();
  const damaged: DamagedFile[] = [];
  const referenced = new Set<string>();
  const dataFiles = await readdirOrEmpty(join(dir, 'data'));
  const sidecars = (await readdirOrEmpty(join(dir, 'meta'))).filter((f) => SIDECAR_NAME.test(f));
  let read = 0;
  for (let i = 0; i < sidecars.length; i += READ_CONCURRENCY) {
    await Promise.all(
      sidecars.slice(i, i + READ_CONCURRENCY).map(async (file) => {
        const path = join(dir, 'meta', file);
        let meta;
        try {
          meta = objectMetaSchema.parse(JSON.parse(await readFile(path, 'utf8')));
        } catch (err) {
          if (systemErrorCode(err) === 'ENOENT') return; // deleted meanwhile (a running store)
          const reason =
            err instanceof z.ZodError
              ? `not a valid sidecar (${err.issues[0]?.path.join('.') ?? ''}: ${err.issues[0]?.message ?? ''})`
              : err instanceof SyntaxError
                ? `not JSON (${err.message})`
                : String(err);
          damaged.push({ file: path, reason });
          return;
        }
        if (`${keyHash(meta.key)}.json` !== file) {
          damaged.push({ file: path, reason: `its name is not the hash of its key ${meta.key}` });
          return;
        }
        referenced.add(meta.dataFile);
        objects.set(meta.key, {
          bucket,
          key: meta.key,
          size: meta.size,
          contentType: meta.contentType,
          lastModified: Date.parse(meta.lastModified),
          sha256: sidecarSha256(meta.checksums, meta.partsCount),
          dataPath: join(dir, 'data', meta.dataFile),
          sidecarPath: path,
        });
      }),
    );
    read = Math.min(i + READ_CONCURRENCY, sidecars.length);
    if (read % 10_000 < READ_CONCURRENCY && read < sidecars.length) {
      progress(`${bucket}: ${read} of ${sidecars.length} sidecars read`);
    }
  }
  const unreferenced = dataFiles.filter((f) => !referenced.has(f)).map((f) => join(dir, 'data', f));
  return { objects, damaged, unreferenced };
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (systemErrorCode(err) === 'ENOENT') return [];
    throw err;
  }
}

/**
 * The running store's index (platform start-up): what its init() loaded, no file read again. Each
 * bucket's listing is taken once (the checks ask for it per upload row).
 */
export function liveCatalog(store: DiskStore): ObjectCatalog {
  const listings = new Map<string, BucketListing>();
  const list = (bucket: string): BucketListing => {
    let listing = listings.get(bucket);
    if (listing === undefined) {
      listing = listBucket(store, bucket);
      listings.set(bucket, listing);
    }
    return listing;
  };
  return {
    kind: 'live',
    root: store.root,
    hasBucket: (bucket) => Promise.resolve(store.hasBucket(bucket)),
    bucket: (bucket) => Promise.resolve(list(bucket)),
    forget: (bucket) => void listings.delete(bucket),
  };
}

function listBucket(store: DiskStore, bucket: string): BucketListing {
  const objects = new Map<string, CatalogObject>();
  for (const key of store.sortedKeys(bucket)) {
    const meta = store.getObject(bucket, key);
    if (meta === undefined) continue;
    objects.set(key, {
      bucket,
      key,
      size: meta.size,
      contentType: meta.contentType,
      lastModified: Date.parse(meta.lastModified),
      sha256: sidecarSha256(meta.checksums, meta.partsCount),
      dataPath: store.dataPath(bucket, meta),
      sidecarPath: undefined,
    });
  }
  return { objects, damaged: [], unreferenced: [] };
}

export type DataCheck =
  { readonly ok: true; readonly sha256: string } | { readonly ok: false; readonly reason: string };

/** Everything the checks share. */
export class FsckSources {
  readonly #hashes = new Map<string, Promise<DataCheck>>();

  constructor(
    readonly backend: BackendSource,
    readonly objects: ObjectCatalog,
    /** The queue's database (DATA_DIR/queue/queue.db). */
    readonly queueDb: string,
    /** The SQLite files of the data dir, by the name the report uses. */
    readonly databases: readonly { readonly name: string; readonly path: string }[],
  ) {}

  /**
   * Reads an object's data once: its SHA-256, or why it cannot be trusted (missing, another size).
   * Shared by the checks, so a full run hashes every object at most once.
   */
  dataOf(object: CatalogObject): Promise<DataCheck> {
    const id = objectId(object.bucket, object.key);
    let check = this.#hashes.get(id);
    if (check === undefined) {
      check = hashData(object);
      this.#hashes.set(id, check);
    }
    return check;
  }

  /** Whether the data was already read (a check that wants only cheap facts uses what is known). */
  knownData(object: CatalogObject): Promise<DataCheck> | undefined {
    return this.#hashes.get(objectId(object.bucket, object.key));
  }

  async close(): Promise<void> {
    await this.backend.close();
  }
}

async function hashData(object: CatalogObject): Promise<DataCheck> {
  let size: number;
  try {
    size = (await stat(object.dataPath)).size;
  } catch (err) {
    if (systemErrorCode(err) === 'ENOENT')
      return { ok: false, reason: `its data file ${object.dataPath} is missing` };
    throw err;
  }
  if (size !== object.size) {
    return {
      ok: false,
      reason: `its data file ${object.dataPath} holds ${size} bytes, its metadata says ${object.size}`,
    };
  }
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(object.dataPath)) hash.update(chunk as Buffer);
  const sha256 = hash.digest('hex');
  if (object.sha256 !== undefined && object.sha256 !== sha256) {
    return {
      ok: false,
      reason: `its data hashes to ${sha256}, the SHA-256 the store recorded is ${object.sha256}`,
    };
  }
  return { ok: true, sha256 };
}
