/**
 * The camera's picture storage as PTP presents it (ISO 15740 §5, DCF layout): one store
 * 0x00010001 with DCIM/100CAMLK/ folders (Association objects, format 0x3001) and the JPEGs in it
 * (EXIF/JPEG, format 0x3801). Files come from a directory on disk; "capture" writes a new JPEG there.
 * Handles are stable for the life of the process and never reused. Only what PTP needs: listing by
 * parent, object metadata, bytes (whole or a range), capture and delete.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { writeFileAtomic, PUBLIC_FILE_MODE } from '../util/atomic-file.js';
import type { Clock } from '../util/clock.js';

export const STORAGE_ID = 0x00010001;
export const FORMAT_ASSOCIATION = 0x3001;
export const FORMAT_EXIF_JPEG = 0x3801;
/** GetObjectHandles' parent argument meaning "objects at the root of the store". */
export const PARENT_ROOT = 0xffffffff;
export const DCIM_HANDLE = 1;
export const FOLDER_HANDLE = 2;
export const FOLDER_NAME = '100CAMLK';

export interface CameraObject {
  readonly handle: number;
  readonly parent: number;
  readonly format: number;
  readonly filename: string;
  readonly size: number;
  /** Files only. */
  readonly path: string | undefined;
  readonly capturedAt: Date;
}

/** PTP DateTime string "YYYYMMDDThhmmss" (UTC). */
export function ptpDateTime(date: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}T` +
    `${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}`
  );
}

const JPEG = /\.jpe?g$/i;
/** DCF file names: 4 characters + 4 digits + extension; 8.3 keeps every initiator happy. */
const MAX_FILES = 9_999;

export class CameraStorage {
  private readonly objects = new Map<number, CameraObject>();
  private nextHandle = FOLDER_HANDLE + 1;
  private nextNumber = 1;

  private constructor(
    readonly dir: string,
    private readonly clock: Clock,
  ) {
    const epoch = clock.now();
    this.objects.set(DCIM_HANDLE, folder(DCIM_HANDLE, 0, 'DCIM', epoch));
    this.objects.set(FOLDER_HANDLE, folder(FOLDER_HANDLE, DCIM_HANDLE, FOLDER_NAME, epoch));
  }

  /** Indexes the JPEGs already in `dir` (sorted by name). */
  static async open(dir: string, clock: Clock): Promise<CameraStorage> {
    const storage = new CameraStorage(dir, clock);
    const names = (await readdir(dir)).filter((n) => JPEG.test(n)).sort();
    for (const name of names) await storage.index(name);
    return storage;
  }

  get(handle: number): CameraObject | undefined {
    return this.objects.get(handle);
  }

  /** GetObjectHandles(storage, format, parent): 0xFFFFFFFF = root level, 0 = all, else children. */
  handles(parent: number): number[] {
    const out: number[] = [];
    for (const o of this.objects.values()) {
      if (parent === 0 || (parent === PARENT_ROOT ? o.parent === 0 : o.parent === parent)) out.push(o.handle);
    }
    return out;
  }

  files(): CameraObject[] {
    return [...this.objects.values()].filter((o) => o.format !== FORMAT_ASSOCIATION);
  }

  /** The object's bytes, whole or `length` bytes from `offset` (GetPartialObject). */
  read(handle: number, offset = 0, length?: number): Readable {
    const o = this.objects.get(handle);
    if (o?.path === undefined) throw new Error(`object ${handle} has no bytes`);
    const end = length === undefined ? o.size : Math.min(o.size, offset + length);
    if (end <= offset) return Readable.from([]);
    return createReadStream(o.path, { start: offset, end: end - 1 });
  }

  /** Stores a new picture in the camera folder and indexes it (the capture of InitiateCapture). */
  async add(bytes: Uint8Array): Promise<CameraObject> {
    if (this.files().length >= MAX_FILES) throw new Error(`the card is full (${MAX_FILES} pictures)`);
    let name: string;
    do {
      name = `CAML${String(this.nextNumber++).padStart(4, '0')}.JPG`;
    } while ([...this.objects.values()].some((o) => o.filename === name));
    await writeFileAtomic(join(this.dir, name), bytes, { mode: PUBLIC_FILE_MODE, overwrite: false });
    return this.index(name);
  }

  async delete(handle: number): Promise<boolean> {
    const o = this.objects.get(handle);
    if (o?.path === undefined) return false;
    await unlink(o.path).catch(() => undefined);
    this.objects.delete(handle);
    return true;
  }

  totalBytes(): number {
    return this.files().reduce((n, o) => n + o.size, 0);
  }

  private async index(name: string): Promise<CameraObject> {
    const path = join(this.dir, name);
    const info = await stat(path);
    const object: CameraObject = {
      handle: this.nextHandle++,
      parent: FOLDER_HANDLE,
      format: FORMAT_EXIF_JPEG,
      filename: basename(name),
      size: info.size,
      path,
      capturedAt: info.mtime.getTime() > 0 ? info.mtime : this.clock.now(),
    };
    this.objects.set(object.handle, object);
    return object;
  }
}

function folder(handle: number, parent: number, name: string, at: Date): CameraObject {
  return {
    handle,
    parent,
    format: FORMAT_ASSOCIATION,
    filename: name,
    size: 0,
    path: undefined,
    capturedAt: at,
  };
}
