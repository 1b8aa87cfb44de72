/**
 * One platform per data dir. `camlink up` (and everything that runs the platform: `camlink demo`, the
 * sim's platform child, in-process tests) holds DATA_DIR/camlink.lock while it runs; a second one is
 * refused with DATA_DIR_LOCKED naming the holder. Two platforms on one data dir would run two start-up
 * scans of the object store against each other's writes, two queue consumers, two brokers' sessions.
 *
 * Node has no flock, so the lock is a file created exclusively (written to a temp file, fsynced, then
 * link()ed into place, so it is never seen half-written), mode 0600, holding the holder's pid, host name,
 * start time and, on Linux, the process start time from /proc/<pid>/stat. A lock whose holder is gone
 * (SIGKILL, power loss) is stale: the next start on the same host takes it over and logs it. A pid that
 * runs again but started at another time is another process reusing the number, and also stale. A lock
 * held on another host is never taken over: the message says how to remove it by hand.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { CamlinkError, systemErrorCode } from '../errors/camlink-error.js';
import type { Logger } from '../log/logger.js';
import { fsyncDir, SECRET_FILE_MODE } from '../util/atomic-file.js';
import { ownStartTicks, processAlive } from '../util/process-liveness.js';

export const DATA_DIR_LOCK_FILE = 'camlink.lock';

const holderSchema = z.object({
  pid: z.number().int().positive(),
  hostname: z.string(),
  startedAt: z.string(),
  /** /proc/<pid>/stat start time (clock ticks since boot), where /proc exists. */
  processStart: z.string().optional(),
  command: z.string().optional(),
});
export type DataDirLockHolder = z.infer<typeof holderSchema>;

export interface DataDirLock {
  readonly path: string;
  readonly holder: DataDirLockHolder;
  /** Removes the lock file if it is still this process's. Safe to call twice. */
  release(): Promise<void>;
}

/** Attempts before giving up when other starters keep replacing the lock under us (never in practice). */
const MAX_ATTEMPTS = 5;

/**
 * Takes DATA_DIR/camlink.lock for this process, or throws DATA_DIR_LOCKED when a live process holds it.
 * Creates the data dir if needed (nothing else is touched before the lock is held).
 */
export async function lockDataDir(
  dataDir: string,
  logger: Logger,
  command = 'camlink up',
): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  const path = join(dataDir, DATA_DIR_LOCK_FILE);
  const holder: DataDirLockHolder = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    ...(ownStartTicks === undefined ? {} : { processStart: ownStartTicks }),
    command,
  };
  const content = `${JSON.stringify(holder)}\n`;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (await createExclusive(path, content)) {
      let released = false;
      return {
        path,
        holder,
        async release() {
          if (released) return;
          released = true;
          const now = await readFile(path, 'utf8').catch(() => undefined);
          if (now !== content) return; // removed or replaced by hand: not ours to remove
          await unlink(path).catch(() => undefined);
          await fsyncDir(dataDir).catch(() => undefined);
        },
      };
    }
    let raw: string;
    try {
      raw = await readFile(path, 'utf8');
    } catch (err) {
      if (systemErrorCode(err) === 'ENOENT') continue; // released meanwhile: try again
      throw err;
    }
    const other = parseHolder(raw);
    if (other === undefined) {
      throw new CamlinkError(
        'DATA_DIR_LOCKED',
        `the data dir lock ${path} exists but cannot be read as a camlink lock; if no camlink platform ` +
          `runs on ${dataDir}, delete that file and start again`,
        { details: { lockFile: path } },
      );
    }
    if (other.hostname !== holder.hostname || processAlive(other.pid, other.processStart)) {
      throw lockedError(dataDir, path, other, holder.hostname);
    }
    if (await takeOver(path, raw)) {
      logger.warn(
        { lockFile: path, pid: other.pid, hostname: other.hostname, startedAt: other.startedAt },
        'took over a stale data dir lock: the process that held it is gone (killed or crashed)',
      );
    }
  }
  throw new CamlinkError(
    'DATA_DIR_LOCKED',
    `could not take the data dir lock ${path}: other processes keep taking it; is another camlink starting on ${dataDir}?`,
    { details: { lockFile: path } },
  );
}

function parseHolder(raw: string): DataDirLockHolder | undefined {
  try {
    const parsed = holderSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function lockedError(dataDir: string, path: string, other: DataDirLockHolder, ourHost: string): CamlinkError {
  const where = other.hostname === ourHost ? '' : ` on host ${other.hostname}`;
  const advice =
    other.hostname === ourHost
      ? `stop it first (kill ${other.pid}), or use another --data-dir`
      : `stop it there first, or use another --data-dir; if it is gone, delete ${path}`;
  return new CamlinkError(
    'DATA_DIR_LOCKED',
    `the data dir ${dataDir} is in use by another camlink process: pid ${other.pid}${where} ` +
      `(${other.command ?? 'camlink'}), running since ${other.startedAt}; ${advice} (lock file ${path})`,
    { details: { lockFile: path, pid: other.pid, hostname: other.hostname, startedAt: other.startedAt } },
  );
}

/** Temp file (0600, fsynced) linked into place: true if the lock is ours, false if the file exists. */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  const handle = await open(temp, 'wx', SECRET_FILE_MODE);
  try {
    try {
      await handle.chmod(SECRET_FILE_MODE);
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temp, path);
  } catch (err) {
    if (systemErrorCode(err) === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  await fsyncDir(dirname(path));
  return true;
}

/**
 * Moves the stale lock (content `stale`) aside. Two starters may find the same stale lock; the slower
 * one may then move the faster one's fresh lock instead: it sees other content, puts that lock back and
 * lets the next attempt find it held.
 */
async function takeOver(path: string, stale: string): Promise<boolean> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if (systemErrorCode(err) === 'ENOENT') return false;
    throw err;
  }
  const moved = await readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== stale) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
  return moved === stale;
}
