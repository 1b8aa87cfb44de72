/**
 * What the camera reads from its --endpoints file, whichever kind it is:
 * - a device endpoints file (`"format": "camlink-device-endpoints/1"`, src/contracts/device-endpoints.ts):
 *   the IoT endpoints, role alias, regions and trust of a camera, on AWS or locally;
 * - the embedded platform's endpoints.json (`camlink up`): its caPath is both the IoT CA and the extra
 *   storage CA, its region the video region.
 * Both become one `DeviceConnection`; `readDeviceTrust` then reads its CA files (after the caller has
 * read its own certificate and key, so an error names the user's missing file first).
 */
import { dirname, resolve } from 'node:path';
import { readEndpoints } from '../contracts/endpoints.js';
import { CAMERA_ROLE_ALIAS } from '../contracts/camera-role.js';
import { DEVICE_ENDPOINTS_FORMAT, deviceEndpointsSchema } from '../contracts/device-endpoints.js';
import { CamlinkError, systemErrorCode } from '../errors/camlink-error.js';
import { readInputFile } from '../util/atomic-file.js';

/** An endpoints file is small; a larger one is not one. */
const ENDPOINTS_FILE_MAX_BYTES = 256 * 1024;
const CA_FILE_MAX_BYTES = 1024 * 1024;

export interface DeviceConnection {
  readonly kind: 'device-endpoints' | 'platform-endpoints';
  /** The file it came from (absolute). */
  readonly path: string;
  readonly mqtt: string;
  /** The IoT credentials provider; absent in an endpoints.json of a platform without one. */
  readonly credentialsProvider: string | undefined;
  readonly roleAlias: string;
  readonly region: string;
  readonly partition: 'aws' | 'aws-cn';
  /** Where the camera's video stream is. */
  readonly videoRegion: string;
  /** The KVS control plane; absent: AWS in videoRegion. */
  readonly kvsEndpoint: string | undefined;
  /** The CA of the IoT data and credentials endpoints (replaces the system roots), absolute. */
  readonly iotCaPath: string;
  /** The extra CA of storage and KVS (on top of the default store), absolute. */
  readonly storageCaPath: string | undefined;
}

export interface DeviceTrust {
  /** The IoT endpoints trust this only. */
  readonly iotCa: Buffer;
  /** Storage and KVS trust the default store plus this (src/device/trust.ts). */
  readonly storageCa: Buffer | undefined;
}

export async function readDeviceConnection(file: string): Promise<DeviceConnection> {
  const path = resolve(file);
  const json = await readJson(path);
  if (typeof json !== 'object' || json === null || !('format' in json)) {
    // Not a device endpoints file: the embedded platform's endpoints.json (validated strictly there).
    const e = await readEndpoints(path);
    return {
      kind: 'platform-endpoints',
      path,
      mqtt: e.mqtt,
      credentialsProvider: e.iotCredentials,
      roleAlias: CAMERA_ROLE_ALIAS,
      region: e.region,
      partition: e.partition,
      videoRegion: e.region,
      kvsEndpoint: e.kvs,
      iotCaPath: resolve(e.caPath),
      storageCaPath: resolve(e.caPath),
    };
  }
  const parsed = deviceEndpointsSchema.safeParse(json);
  if (!parsed.success) {
    throw new CamlinkError(
      'FILE_UNREADABLE',
      `${path} is not a ${DEVICE_ENDPOINTS_FORMAT} file: ${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  const d = parsed.data;
  const here = dirname(path);
  return {
    kind: 'device-endpoints',
    path,
    mqtt: d.mqtt.replace(/\/$/, ''),
    credentialsProvider: d.credentialsProvider.replace(/\/$/, ''),
    roleAlias: d.roleAlias,
    region: d.region,
    partition: d.partition,
    videoRegion: d.videoRegion ?? d.region,
    kvsEndpoint: d.kvsEndpoint?.replace(/\/$/, ''),
    iotCaPath: resolve(here, d.iotCaPath),
    storageCaPath: d.storageCaPath === undefined ? undefined : resolve(here, d.storageCaPath),
  };
}

/** The CA files of a connection, read (one file when both name the same). */
export async function readDeviceTrust(connection: DeviceConnection): Promise<DeviceTrust> {
  const iotCa = await readCa(connection.iotCaPath, 'the IoT CA');
  const storagePath = connection.storageCaPath;
  return {
    iotCa,
    storageCa:
      storagePath === undefined
        ? undefined
        : storagePath === connection.iotCaPath
          ? iotCa
          : await readCa(storagePath, 'the storage CA'),
  };
}

async function readJson(path: string): Promise<unknown> {
  let data: Buffer;
  try {
    data = await readInputFile(path, ENDPOINTS_FILE_MAX_BYTES, 'endpoints file');
  } catch (err) {
    if (systemErrorCode((err as { cause?: unknown }).cause) === 'ENOENT') {
      throw new CamlinkError(
        'FILE_UNREADABLE',
        `no ${path}: write one with \`camlink aws device-endpoints\`, or start the platform with \`camlink up\``,
      );
    }
    throw err;
  }
  try {
    return JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new CamlinkError('FILE_UNREADABLE', `${path} is not JSON`, { cause: err });
  }
}

async function readCa(path: string, what: string): Promise<Buffer> {
  const pem = await readInputFile(path, CA_FILE_MAX_BYTES, what);
  if (!pem.toString('utf8').includes('-----BEGIN CERTIFICATE-----')) {
    throw new CamlinkError('FILE_UNREADABLE', `${what} ${path} holds no PEM certificate`);
  }
  return pem;
}
