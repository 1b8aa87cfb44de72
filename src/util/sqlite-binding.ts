/**
 * Which compiled better-sqlite3 binding a process loads. `npm install` builds (or downloads) one binding,
 * for the Node.js that ran it; the same checkout run by a Node.js of another V8 ABI
 * (process.versions.modules: 115 for Node 20, 137 for Node 24) needs a binding of its own. A machine
 * that cannot run `npm install` again for that Node (offline CI: .ci/node24-smoke) builds one into the
 * native cache, one file per better-sqlite3 version and ABI:
 *
 *   node_modules/.cache/camlink-native/better-sqlite3-12.11.1-abi137.node
 *
 * (CAMLINK_NATIVE_DIR names another directory). When the file for the running ABI is there it is
 * loaded; otherwise better-sqlite3's own binding, as if this module did not exist.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/** The environment variable naming the native cache instead of node_modules/.cache/camlink-native. */
export const NATIVE_DIR_ENV = 'CAMLINK_NATIVE_DIR';

/** The file name of the binding of better-sqlite3 `version` for V8 ABI `abi`. */
export function sqliteBindingName(version: string, abi: string): string {
  return `better-sqlite3-${version}-abi${abi}.node`;
}

/** The native cache: $CAMLINK_NATIVE_DIR, else .cache/camlink-native in the node_modules given. */
export function nativeCacheDir(env: NodeJS.ProcessEnv, nodeModules: string): string {
  const named = env[NATIVE_DIR_ENV];
  return named !== undefined && named !== '' ? resolve(named) : join(nodeModules, '.cache', 'camlink-native');
}

export interface SqliteBindingSite {
  /** The native cache directory. */
  readonly dir: string;
  /** better-sqlite3's version (its package.json). */
  readonly version: string;
  /** The running V8 ABI, process.versions.modules. */
  readonly abi: string;
}

/** Where the cached binding for `site` is, whether or not it exists. */
export function sqliteBindingPath(site: SqliteBindingSite): string {
  return join(site.dir, sqliteBindingName(site.version, site.abi));
}

/** The cached binding for `site` when it exists; undefined means better-sqlite3's default. */
export function chooseSqliteBinding(
  site: SqliteBindingSite,
  exists: (path: string) => boolean = existsSync,
): string | undefined {
  const path = sqliteBindingPath(site);
  return exists(path) ? path : undefined;
}

/** The site for this process: the better-sqlite3 it resolves, its node_modules, the running ABI. */
export function currentSqliteBindingSite(env: NodeJS.ProcessEnv = process.env): SqliteBindingSite {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('better-sqlite3/package.json');
  const { version } = require(manifest) as { version: string };
  // node_modules/better-sqlite3/package.json: the package is not scoped, two levels up is node_modules.
  return { dir: nativeCacheDir(env, dirname(dirname(manifest))), version, abi: process.versions.modules };
}

let chosen: { readonly path: string | undefined } | undefined;

/**
 * The `nativeBinding` option for `new Database()` in this process (decided at the first call): the
 * cached binding for the running ABI, or undefined for better-sqlite3's default.
 */
export function sqliteNativeBinding(): string | undefined {
  chosen ??= { path: chooseSqliteBinding(currentSqliteBindingSite()) };
  return chosen.path;
}
