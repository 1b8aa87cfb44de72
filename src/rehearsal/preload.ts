/**
 * `node --import tsx --import <repo>/src/rehearsal/preload.ts app.js` (or `--import
 * <repo>/bin/rehearsal-preload.mjs` without tsx): installs the rehearsal redirect from the JSON file
 * named by CAMLINK_REHEARSAL_HOSTS before the application loads. A bad map stops the process with one
 * line on stderr rather than letting clients dial the real cloud.
 */
import { CamlinkError } from '../errors/camlink-error.js';
import { installFromEnv } from './redirect.js';

try {
  installFromEnv();
} catch (err) {
  const message = err instanceof CamlinkError ? `${err.code}: ${err.message}` : String(err);
  process.stderr.write(`camlink rehearsal preload: ${message}\n`);
  process.exit(2);
}
