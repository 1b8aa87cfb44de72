/**
 * Crash-safe file writes: data goes to a temporary file in the same directory, is fsynced, then moved
 * into place (rename, or link when the target must not exist) and the directory is fsynced. A reader
 * sees the old content or the new, never a torn file, and a key file is never visible with a wider mode.
 */
import { open, rename, link, unlink, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CamlinkError, systemErrorCode } from '../errors/camlink-error.js';

export const SECRET_FILE_MODE = 0o600;
export const PUBLIC_FILE_MODE = 0o644;

export interface AtomicWriteOptions {
  /** File mode of the new file (applied before any byte is written). */
  mode: number;
  /** When false, an existing file is an error (FILE_EXISTS) and is left untouched. */
  overwrite: boolean;
}

export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions,
): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const handle = await open(tmp, 'wx', options.mode);
  try {
    try {
      // open() honours the umask; chmod makes the mode exact (0600 stays 0600, 0644 is not narrowed).
      await handle.chmod(options.mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    // A failed write (e.g. ENOSPC) leaves no torn temp file behind.
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  try {
    if (options.overwrite) {
      await rename(tmp, path);
    } else {
      try {
        await link(tmp, path);
      } catch (err) {
        if (systemErrorCode(err) === 'EEXIST') {
          throw new CamlinkError('FILE_EXISTS', `${path} exists; pass --force to replace it`, { cause: err });
        }
        throw err;
      }
      await unlink(tmp);
    }
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dir);
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (systemErrorCode(err) === 'ENOENT') return false;
    throw err;
  }
}

/** Reads a user-supplied input file with a size limit, mapping failures to coded errors. */
export async function readInputFile(path: string, maxBytes: number, what: string): Promise<Buffer> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    throw new CamlinkError(
      'FILE_UNREADABLE',
      `cannot read ${what} ${path}: ${systemErrorCode(err) ?? 'error'}`,
      {
        cause: err,
      },
    );
  }
  if (size > maxBytes) {
    throw new CamlinkError('FILE_TOO_LARGE', `${what} ${path} is ${size} bytes; the limit is ${maxBytes}`);
  }
  try {
    const data = await readFile(path);
    if (data.length > maxBytes) {
      throw new CamlinkError('FILE_TOO_LARGE', `${what} ${path} grew past the limit of ${maxBytes} bytes`);
    }
    return data;
  } catch (err) {
    if (err instanceof CamlinkError) throw err;
    throw new CamlinkError(
      'FILE_UNREADABLE',
      `cannot read ${what} ${path}: ${systemErrorCode(err) ?? 'error'}`,
      {
        cause: err,
      },
    );
  }
}
