/**
 * Builds the effective configuration from, lowest to highest precedence: the schema defaults, a JSON
 * file (--config F, or CAMLINK_CONFIG), CAMLINK_* environment variables and command-line flags.
 *
 * Environment names map to keys by splitting nested keys on "__" and words on "_":
 * CAMLINK_DATA_DIR -> dataDir, CAMLINK_PKI__KEY_ALGORITHM -> pki.keyAlgorithm. A CAMLINK_* variable
 * that names no key is an error, like an unknown key in the file.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CamlinkError, systemErrorCode } from '../errors/camlink-error.js';
import { configSchema, type CamlinkConfig } from './schema.js';

const CONFIG_FILE_MAX_BYTES = 1024 * 1024;
const ENV_PREFIX = 'CAMLINK_';
/**
 * CAMLINK_* variables that are not configuration keys: the config file, the rehearsal's host map, the
 * native cache of SQLite bindings (src/util/sqlite-binding.ts), bin/camlink's and the CLI's own switches.
 */
const RESERVED_ENV = new Set([
  'CAMLINK_CONFIG',
  'CAMLINK_REHEARSAL_HOSTS',
  'CAMLINK_NATIVE_DIR',
  'CAMLINK_FROM_SOURCE',
  'CAMLINK_DEBUG_STACK',
]);

export interface LoadConfigInput {
  /** Path of a JSON config file (a --config flag); falls back to env CAMLINK_CONFIG. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, as a partial config object. */
  flags?: Record<string, unknown>;
}

type Tree = Record<string, unknown>;

export function loadConfig(input: LoadConfigInput = {}): Readonly<CamlinkConfig> {
  const env = input.env ?? process.env;
  const origins = new Map<string, string>();
  const merged: Tree = {};

  const file = input.file ?? env.CAMLINK_CONFIG;
  if (file !== undefined && file !== '') {
    mergeInto(merged, readConfigFile(file), [], origins, `file ${file}`);
  }
  mergeInto(merged, fromEnv(env), [], origins, 'env');
  if (input.flags) mergeInto(merged, dropUndefined(input.flags), [], origins, 'flag');

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const path = first ? describePath(first) : '';
    const origin = origins.get(path);
    const detail = parsed.error.issues.map((issue) => `${describePath(issue) || '(root)'}: ${issue.message}`);
    throw new CamlinkError(
      'CONFIG_INVALID',
      `invalid configuration: ${detail.join('; ')}${origin ? ` (${path} from ${origin})` : ''}`,
      { details: { issues: detail } },
    );
  }
  return deepFreeze(parsed.data);
}

function describePath(issue: z.core.$ZodIssue): string {
  const keys = issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys] : issue.path;
  return keys.map(String).join('.');
}

function readConfigFile(path: string): Tree {
  let text: string;
  try {
    const buf = readFileSync(path);
    if (buf.length > CONFIG_FILE_MAX_BYTES) {
      throw new CamlinkError(
        'CONFIG_FILE_UNREADABLE',
        `config file ${path} is ${buf.length} bytes; the limit is ${CONFIG_FILE_MAX_BYTES}`,
      );
    }
    text = buf.toString('utf8');
  } catch (err) {
    if (err instanceof CamlinkError) throw err;
    throw new CamlinkError(
      'CONFIG_FILE_UNREADABLE',
      `cannot read config file ${path}: ${systemErrorCode(err)}`,
      {
        cause: err,
      },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CamlinkError(
      'CONFIG_FILE_UNREADABLE',
      `config file ${path} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (!isTree(value)) {
    throw new CamlinkError('CONFIG_FILE_UNREADABLE', `config file ${path} must hold a JSON object`);
  }
  return value;
}

function fromEnv(env: NodeJS.ProcessEnv): Tree {
  const out: Tree = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || RESERVED_ENV.has(name) || raw === undefined) continue;
    const path = name
      .slice(ENV_PREFIX.length)
      .split('__')
      .map((part) => part.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()));
    const leaf = leafSchema(path);
    if (leaf === undefined) {
      throw new CamlinkError('CONFIG_INVALID', `environment variable ${name} names no configuration key`);
    }
    setPath(out, path, coerce(name, raw, leaf));
  }
  return out;
}

/** Walks the schema to the key at `path`, unwrapping defaults; undefined when there is no such key. */
function leafSchema(path: string[]): z.ZodType | undefined {
  let node: z.ZodType = configSchema;
  for (const key of path) {
    node = unwrap(node);
    if (!(node instanceof z.ZodObject)) return undefined;
    const shape = node.shape as Record<string, z.ZodType>;
    const next = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (next === undefined) return undefined;
    node = next;
  }
  return unwrap(node);
}

function unwrap(node: z.ZodType): z.ZodType {
  let current = node;
  while (
    current instanceof z.ZodDefault ||
    current instanceof z.ZodPrefault ||
    current instanceof z.ZodOptional
  ) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

/** Turns an environment string into the leaf's type; a value that does not convert is reported. */
function coerce(name: string, raw: string, leaf: z.ZodType): unknown {
  if (leaf instanceof z.ZodNumber) {
    const n = raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isFinite(n)) throw new CamlinkError('CONFIG_INVALID', `${name}=${raw} is not a number`);
    return n;
  }
  if (leaf instanceof z.ZodBoolean) {
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw new CamlinkError('CONFIG_INVALID', `${name}=${raw} is not a boolean (true/false/1/0)`);
  }
  if (leaf instanceof z.ZodArray || leaf instanceof z.ZodObject) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw new CamlinkError('CONFIG_INVALID', `${name} must be JSON (an array or object)`);
    }
  }
  return raw;
}

function mergeInto(
  target: Tree,
  source: Tree,
  prefix: string[],
  origins: Map<string, string>,
  origin: string,
): void {
  for (const [key, value] of Object.entries(source)) {
    const path = [...prefix, key];
    const existing = target[key];
    if (isTree(value) && isTree(existing)) {
      mergeInto(existing, value, path, origins, origin);
    } else {
      target[key] = isTree(value) ? structuredClone(value) : value;
      recordOrigins(value, path, origins, origin);
    }
  }
}

function recordOrigins(value: unknown, path: string[], origins: Map<string, string>, origin: string): void {
  origins.set(path.join('.'), origin);
  if (isTree(value)) {
    for (const [key, child] of Object.entries(value)) recordOrigins(child, [...path, key], origins, origin);
  }
}

function setPath(tree: Tree, path: string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (isTree(next)) node = next;
    else {
      const created: Tree = {};
      node[key] = created;
      node = created;
    }
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

function dropUndefined(tree: Tree): Tree {
  const out: Tree = {};
  for (const [key, value] of Object.entries(tree)) {
    if (value === undefined) continue;
    out[key] = isTree(value) ? dropUndefined(value) : value;
  }
  return out;
}

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
