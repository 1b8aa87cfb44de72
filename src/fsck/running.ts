/**
 * Whether a platform is running on a data dir: its endpoints.json is there and one of the ports it
 * names answers. `camlink up` writes the file when ready and removes it when it stops; a killed
 * platform leaves it behind with nothing listening. (A data-dir lock will answer this more strictly.)
 */
import { connect } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemErrorCode } from '../errors/camlink-error.js';

/** How long one port may take to accept before it counts as not answering. */
const CONNECT_TIMEOUT_MS = 1_000;

/** The endpoints.json fields that name the platform's own listeners (src/contracts/endpoints.ts). */
const LISTENERS = ['s3', 'sqs', 'iot', 'api', 'mqtt'] as const;

export interface RunningPlatformInfo {
  readonly endpointsFile: string;
  /** The URL that answered. */
  readonly answered: string;
  readonly pid: number | undefined;
}

export async function runningPlatform(dataDir: string): Promise<RunningPlatformInfo | undefined> {
  const endpointsFile = join(dataDir, 'endpoints.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(endpointsFile, 'utf8'));
  } catch (err) {
    if (systemErrorCode(err) === 'ENOENT' || err instanceof SyntaxError) return undefined;
    throw err;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const fields = parsed as Record<string, unknown>;
  // The platform's own listeners (not the credentials or an advertised public name).
  const urls = LISTENERS.map((name) => fields[name]).filter(
    (v): v is string => typeof v === 'string' && /^(https?|mqtts?):\/\//.test(v),
  );
  for (const url of urls) {
    if (await answers(url)) {
      return { endpointsFile, answered: url, pid: typeof fields.pid === 'number' ? fields.pid : undefined };
    }
  }
  return undefined;
}

function answers(url: string): Promise<boolean> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(false);
  }
  const defaults: Record<string, number> = { 'https:': 443, 'http:': 80, 'mqtts:': 8883, 'mqtt:': 1883 };
  const port = target.port === '' ? defaults[target.protocol] : Number(target.port);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (port === undefined) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = connect({ host: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
