/**
 * Per-test temporary directories, removed when the test ends. node:test runs `after` hooks in the order
 * they were registered, so a directory made before a platform is removed before that platform closes:
 * work still finishing in the background (a thumbnail being stored) may add a file while rm walks the
 * tree, hence the retries on ENOTEMPTY.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export async function tempDir(t: TestContext, prefix = 'camlink-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }));
  return dir;
}
