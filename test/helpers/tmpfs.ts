/** A fresh tmpfs for a fault test (this machine and CI run as root; a refused mount fails the test). */
import { execFile } from 'node:child_process';
import { mkdtemp, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A fresh tmpfs of `size`; the caller unmounts it (after what runs on it closed) in cleanup. */
export async function mountTmpfs(size: string): Promise<{ dir: string; unmount: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'camlink-tmpfs-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
  } catch (err) {
    await rmdir(dir).catch(() => undefined);
    const detail = err instanceof Error ? err.message : String(err);
    throw new Error(`this test needs to mount a tmpfs (root, or CAP_SYS_ADMIN); mount refused: ${detail}`);
  }
  let mounted = true;
  const unmount = async () => {
    if (!mounted) return;
    mounted = false;
    await run('umount', [dir]);
    await rmdir(dir);
  };
  return { dir, unmount };
}
