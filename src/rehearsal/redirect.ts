/**
 * Dialing cloud host names on this machine: inside a client process, a TCP connection to a mapped
 * `host:port` (exact, or `*.<suffix>` for exactly one more label, like a TLS wildcard) goes to a
 * loopback `127.x.x.x:<port>` / `[::1]:<port>` instead. Only the socket's destination changes: TLS keeps
 * the cloud name for SNI and certificate verification (tls.connect keeps its own options), and HTTP
 * clients keep it in the Host header, so a client with no endpoint override behaves as it would against
 * the cloud. Every client ends in net.Socket.prototype.connect (https agents, tls.connect in mqtt.js,
 * undici's fetch), which is what is wrapped; unmapped connections pass through untouched, and a map
 * entry can only ever point at loopback.
 *
 * The map is a JSON object `{"<host>:<port>": "<loopback-ip>:<port>"}`, e.g.
 *   {"*.s3.ap-northeast-1.amazonaws.com:443": "127.0.0.1:9000", "sqs.ap-northeast-1.amazonaws.com:443": "127.0.0.1:9324"}
 */
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { CamlinkError } from '../errors/camlink-error.js';

/** The environment variable naming the host map file for the preload module. */
export const HOSTS_ENV = 'CAMLINK_REHEARSAL_HOSTS';
const MAX_ENTRIES = 1000;
const MAX_FILE_BYTES = 1024 * 1024;

export interface Route {
  /** `host` or `*.suffix`, lower case. */
  readonly pattern: string;
  readonly port: number;
  readonly toHost: string;
  readonly toPort: number;
}

export class HostMap {
  private readonly exact = new Map<string, Route>();
  private readonly wildcard = new Map<string, Route>();

  constructor(readonly routes: readonly Route[]) {
    for (const route of routes) {
      if (route.pattern.startsWith('*.')) this.wildcard.set(`${route.pattern.slice(2)}:${route.port}`, route);
      else this.exact.set(`${route.pattern}:${route.port}`, route);
    }
  }

  /** Where `host:port` goes, or undefined when it is not mapped. */
  resolve(host: string, port: number): { host: string; port: number } | undefined {
    const name = host.toLowerCase().replace(/\.$/, '');
    const exact = this.exact.get(`${name}:${port}`);
    const dot = name.indexOf('.');
    const route = exact ?? (dot > 0 ? this.wildcard.get(`${name.slice(dot + 1)}:${port}`) : undefined);
    return route === undefined ? undefined : { host: route.toHost, port: route.toPort };
  }
}

function invalid(message: string): CamlinkError {
  return new CamlinkError('REHEARSAL_HOSTS_INVALID', message);
}

const NAME = /^(\*\.)?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

function parsePort(text: string, what: string): number {
  if (!/^\d{1,5}$/.test(text)) throw invalid(`${what}: "${text}" is not a port`);
  const port = Number(text);
  if (port < 1 || port > 65_535) throw invalid(`${what}: port ${port} is out of range`);
  return port;
}

/** True for 127.0.0.0/8 and ::1: the only destinations a redirect may have. */
export function isLoopbackIp(host: string): boolean {
  if (net.isIPv4(host)) return host.startsWith('127.');
  return net.isIPv6(host) && (host === '::1' || host === '0:0:0:0:0:0:0:1');
}

/** Parses and checks a host map; anything that is not a cloud name -> loopback address is refused. */
export function parseHostMap(json: unknown): HostMap {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalid('the host map must be a JSON object {"<host>:<port>": "<loopback-ip>:<port>"}');
  }
  const entries = Object.entries(json as Record<string, unknown>);
  if (entries.length > MAX_ENTRIES) throw invalid(`the host map has more than ${MAX_ENTRIES} entries`);
  const routes = entries.map(([from, to]): Route => {
    const colon = from.lastIndexOf(':');
    const pattern = from.slice(0, colon).toLowerCase();
    if (colon < 0 || pattern.length > 253 || !NAME.test(pattern) || net.isIP(pattern) !== 0) {
      throw invalid(`"${from}" is not "<host name>:<port>" (a leading "*." allowed)`);
    }
    const port = parsePort(from.slice(colon + 1), from);
    if (typeof to !== 'string') throw invalid(`"${from}" must map to a "<loopback-ip>:<port>" string`);
    const m = /^(?:\[([0-9a-f:.]+)\]|([0-9.]+)):(\d+)$/i.exec(to);
    const toHost = m?.[1] ?? m?.[2];
    if (m === null || toHost === undefined || !isLoopbackIp(toHost)) {
      throw invalid(
        `"${from}" maps to "${to}": a redirect may only point at 127.x.x.x:<port> or [::1]:<port>`,
      );
    }
    return { pattern, port, toHost, toPort: parsePort(m[3] ?? '', from) };
  });
  return new HostMap(routes);
}

export function loadHostMap(file: string): HostMap {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CamlinkError('REHEARSAL_HOSTS_INVALID', `cannot read the host map ${file}`, { cause: err });
  }
  if (text.length > MAX_FILE_BYTES)
    throw invalid(`the host map ${file} is larger than ${MAX_FILE_BYTES} bytes`);
  try {
    return parseHostMap(JSON.parse(text));
  } catch (err) {
    if (err instanceof CamlinkError) throw err;
    throw new CamlinkError('REHEARSAL_HOSTS_INVALID', `the host map ${file} is not JSON`, { cause: err });
  }
}

type Connect = (this: net.Socket, ...args: unknown[]) => net.Socket;
interface ConnectTarget {
  host?: unknown;
  port?: unknown;
  path?: unknown;
}

let installed: { original: Connect; map: HostMap } | undefined;

/** Rewrites a connect options object's destination when it is mapped; the caller's object is not changed. */
function rewrite(options: ConnectTarget, map: HostMap): ConnectTarget | undefined {
  if (typeof options.path === 'string' && options.path !== '') return undefined;
  const host = typeof options.host === 'string' ? options.host : 'localhost';
  const port = typeof options.port === 'number' ? options.port : Number(options.port);
  if (!Number.isInteger(port) || net.isIP(host) !== 0) return undefined;
  const to = map.resolve(host, port);
  return to === undefined ? undefined : { ...options, host: to.host, port: to.port };
}

function isOptions(value: unknown): value is ConnectTarget {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Wraps net.Socket.prototype.connect with `map` (replacing a previous map). Returns a function that
 * puts the original back.
 */
export function installRedirect(map: HostMap): () => void {
  const proto = net.Socket.prototype as unknown as { connect: Connect };
  if (installed !== undefined) {
    installed.map = map;
  } else {
    const state = { original: proto.connect, map };
    installed = state;
    proto.connect = function connect(this: net.Socket, ...args: unknown[]): net.Socket {
      const first = args[0];
      // net.connect() hands over its already normalized [options, callback] array.
      if (Array.isArray(first) && isOptions(first[0])) {
        const moved = rewrite(first[0], state.map);
        if (moved !== undefined) first[0] = moved;
      } else if (isOptions(first)) {
        const moved = rewrite(first, state.map);
        if (moved !== undefined) args[0] = moved;
      } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
        const moved = rewrite({ port: first, host: args[1] }, state.map);
        if (moved !== undefined) {
          args[0] = moved.port;
          args[1] = moved.host;
        }
      }
      return state.original.apply(this, args);
    };
  }
  return () => {
    if (installed === undefined) return;
    proto.connect = installed.original;
    installed = undefined;
  };
}

/** Installs the map named by CAMLINK_REHEARSAL_HOSTS; false when the variable is unset. */
export function installFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const file = env[HOSTS_ENV];
  if (file === undefined || file === '') return false;
  installRedirect(loadHostMap(file));
  return true;
}
