/**
 * Is the process that left a lock or a temp file still running? A pid alone is not enough: pids are
 * reused, so on Linux the process's start time (field 22 of /proc/<pid>/stat, clock ticks since boot) is
 * recorded next to the pid and compared. Where /proc is missing (macOS) only the pid is checked, which
 * errs on the side of "alive".
 */
import { readFileSync } from 'node:fs';
import { systemErrorCode } from '../errors/camlink-error.js';

/** The start time of `pid` as /proc/<pid>/stat gives it, or undefined without /proc or that process. */
export function processStartTicks(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = fields[22 - 3];
  return ticks !== undefined && /^\d+$/.test(ticks) ? ticks : undefined;
}

/** This process's start time (see processStartTicks), read once. */
export const ownStartTicks: string | undefined = processStartTicks(process.pid);

/** A process that exists (signal 0 reaches it, or it belongs to another user). */
export function pidExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return systemErrorCode(err) === 'EPERM';
  }
}

/**
 * Is the process `pid`, started at `startTicks` (when recorded), still running on this host? A pid that
 * runs but started at another time is another process that reuses the number: not alive.
 */
export function processAlive(pid: number, startTicks: string | undefined): boolean {
  if (!pidExists(pid)) return false;
  if (startTicks === undefined) return true;
  const now = processStartTicks(pid);
  return now === undefined || now === startTicks;
}
