/**
 * The host map a rehearsal's clients need: every cloud name of a target (names.ts) at the port the real
 * service listens on (443; 8883 for MQTT) -> the embedded platform's loopback listener serving it
 * (DATA_DIR/endpoints.json). The result is what CAMLINK_REHEARSAL_HOSTS's file holds.
 */
import type { Endpoints } from '../contracts/endpoints.js';
import { CamlinkError } from '../errors/camlink-error.js';
import { isLoopbackIp } from './redirect.js';
import { cloudNames, type CloudTarget } from './names.js';

export type HostMapJson = Record<string, string>;

function local(url: string | undefined, what: string): string | undefined {
  if (url === undefined) return undefined;
  const { hostname, port } = new URL(url);
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (!isLoopbackIp(host)) {
    throw new CamlinkError('REHEARSAL_HOSTS_INVALID', `the ${what} listens on ${hostname}, not on loopback`);
  }
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function hostMapFor(target: CloudTarget, endpoints: Omit<Endpoints, 'api'>): HostMapJson {
  const n = cloudNames(target);
  const map: HostMapJson = {};
  const add = (names: readonly string[], port: number, url: string | undefined, what: string) => {
    const to = local(url, what);
    if (to !== undefined) for (const name of names) map[`${name}:${port}`] = to;
  };
  add([n.iotData], 8883, endpoints.mqtt, 'IoT data endpoint');
  add([n.iotCredentials], 443, endpoints.iotCredentials, 'credentials provider');
  add([n.iotControl], 443, endpoints.iot, 'IoT API');
  add([n.s3, n.s3VirtualHosts], 443, endpoints.s3, 'object store');
  add([n.sqs], 443, endpoints.sqs, 'queue');
  add([n.kvs, n.kvsData], 443, endpoints.kvs, 'video service');
  add([n.sts], 443, endpoints.sts, 'STS');
  add([n.iam], 443, endpoints.iam, 'IAM');
  if (n.cos !== undefined) add([n.cos.service, n.cos.buckets], 443, endpoints.s3, 'object store (COS)');
  return map;
}
