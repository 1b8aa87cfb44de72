/** Paths in the configuration are relative to the data dir unless absolute. */
import { isAbsolute, resolve } from 'node:path';

export function inDataDir(dataDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(dataDir, path);
}
