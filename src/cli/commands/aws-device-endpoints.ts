/**
 * `camlink aws device-endpoints`: the device endpoints file a camera needs (src/contracts/
 * device-endpoints.ts), from DescribeEndpoint iot:Data-ATS and iot:CredentialProvider against AWS or
 * the embedded platform. AWS answers bare host names (MQTT on 8883, the provider on 443); the embedded
 * IoT API answers host:port. See docs/aws-cli.md.
 */
import { X509Certificate } from 'node:crypto';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { DescribeEndpointCommand, type IoTClient } from '@aws-sdk/client-iot';
import { readEndpoints } from '../../contracts/endpoints.js';
import { createAwsClients } from '../../aws/clients.js';
import { toCamlinkError } from '../../aws/service-error.js';
import { partitionOf, REGION_PATTERN } from '../../aws/target.js';
import { CAMERA_ROLE_ALIAS } from '../../contracts/camera-role.js';
import {
  DEVICE_ENDPOINTS_FORMAT,
  deviceEndpointsSchema,
  type DeviceEndpointsInput,
} from '../../contracts/device-endpoints.js';
import { CamlinkError } from '../../errors/camlink-error.js';
import { PUBLIC_FILE_MODE, readInputFile, writeFileAtomic } from '../../util/atomic-file.js';
import { defineCommand } from '../command.js';
import { jsonOption, printResult } from '../output.js';
import { awsTargetOptions, resolveAwsTarget } from './aws-target.js';

const CA_FILE_MAX_BYTES = 1024 * 1024;
const ROLE_ALIAS = /^[\w=,@-]{1,128}$/;
/** A host name or IPv4/[IPv6] address, with an optional port. */
const ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?)(?::(\d{1,5}))?$/;

/** A DescribeEndpoint address as a URL: a bare host gets the service's port (AWS answers bare hosts). */
export function endpointUrl(address: string, scheme: 'mqtts' | 'https', defaultPort: number): string {
  const m = ADDRESS.exec(address.trim());
  const port = m?.[2] === undefined ? undefined : Number(m[2]);
  if (m === null || (port !== undefined && (port < 1 || port > 65_535))) {
    throw new CamlinkError('UPSTREAM_FAILED', `DescribeEndpoint answered "${address}", not a host[:port]`);
  }
  const host = m[1] ?? '';
  const p = port ?? defaultPort;
  return scheme === 'https' && p === 443 ? `https://${host}` : `${scheme}://${host}:${p}`;
}

async function describeEndpoint(iot: IoTClient, endpointType: string): Promise<string> {
  const answer = await iot.send(new DescribeEndpointCommand({ endpointType })).catch((err: unknown) => {
    throw toCamlinkError(`DescribeEndpoint ${endpointType}`, err);
  });
  if (!answer.endpointAddress) {
    throw new CamlinkError('UPSTREAM_FAILED', `DescribeEndpoint ${endpointType} answered no address`);
  }
  return answer.endpointAddress;
}

/** Reads a CA file and checks it holds a certificate; returns its absolute path. */
async function checkCa(path: string, what: string): Promise<string> {
  const absolute = resolve(path);
  const pem = (await readInputFile(absolute, CA_FILE_MAX_BYTES, what)).toString('utf8');
  const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  try {
    if (first === undefined) throw new Error('no PEM certificate');
    new X509Certificate(first);
  } catch (err) {
    throw new CamlinkError('FILE_UNREADABLE', `${what} ${absolute} holds no PEM certificate`, { cause: err });
  }
  return absolute;
}

/** How the file names a CA: relative when it lies beside (or under) the file, else absolute. */
function pathFrom(fileDir: string, caPath: string): string {
  const rel = relative(fileDir, caPath);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel) ? rel : caPath;
}

export const deviceEndpointsCommand = defineCommand({
  name: 'device-endpoints',
  summary: "Write a camera's device endpoints file (MQTT, credentials provider, role alias, regions, trust).",
  description:
    'DescribeEndpoint iot:Data-ATS and iot:CredentialProvider (AWS answers bare hosts: mqtts://HOST:8883\n' +
    'and https://HOST; the embedded platform HOST:PORT) and writes --out, a camlink-device-endpoints/1\n' +
    'file that `camlink camera` and `camlink camera stream` take as --endpoints. Not secret. Trust: --iot-ca\n' +
    '(Amazon Root CA 1 on AWS, required there; default with --embedded the platform CA) for MQTT and the\n' +
    'credentials provider only; --storage-ca an extra CA for storage and KVS on top of the system roots\n' +
    '(default with --embedded the platform CA). Refuses to replace --out without --force.',
  options: {
    ...awsTargetOptions,
    out: { type: 'string', valueName: 'F', description: 'the device endpoints file to write (required)' },
    'iot-ca': {
      type: 'string',
      valueName: 'F',
      description: 'CA of the IoT endpoints (AWS: Amazon Root CA 1 PEM; default --embedded: the platform CA)',
    },
    'storage-ca': {
      type: 'string',
      valueName: 'F',
      description:
        'extra CA for storage/KVS on top of the system roots (default --embedded: the platform CA)',
    },
    'role-alias': {
      type: 'string',
      valueName: 'A',
      description: `role alias of the credentials provider (default ${CAMERA_ROLE_ALIAS})`,
    },
    'video-region': {
      type: 'string',
      valueName: 'R',
      description: 'region of the Kinesis video streams (default: the region; CDK output VideoRegion)',
    },
    force: { type: 'boolean', description: 'replace --out if it exists' },
    json: jsonOption,
  },
  async run(ctx) {
    const o = ctx.options;
    if (o.out === undefined) {
      throw new CamlinkError('CLI_USAGE', 'camlink aws device-endpoints needs --out F');
    }
    const roleAlias = o['role-alias'] ?? CAMERA_ROLE_ALIAS;
    if (!ROLE_ALIAS.test(roleAlias)) {
      throw new CamlinkError('CLI_USAGE', `--role-alias "${roleAlias}" is not a role alias name`);
    }
    const videoRegion = o['video-region'];
    if (videoRegion !== undefined && !REGION_PATTERN.test(videoRegion)) {
      throw new CamlinkError('CLI_USAGE', `--video-region "${videoRegion}" is not an AWS region name`);
    }
    const config = ctx.config();
    const target = await resolveAwsTarget(o, config, ctx.io.env);
    if (videoRegion !== undefined && partitionOf(videoRegion) !== target.partition) {
      throw new CamlinkError(
        'CLI_USAGE',
        `--video-region ${videoRegion} is not in partition ${target.partition} of region ${target.region}`,
      );
    }
    // The embedded platform: its CA signs the IoT endpoints and storage; its KVS is its own.
    const platform =
      target.kind === 'embedded'
        ? await readEndpoints(o.endpoints ?? join(config.dataDir, 'endpoints.json'))
        : undefined;
    const iotCaOption = o['iot-ca'] ?? platform?.caPath;
    if (iotCaOption === undefined) {
      throw new CamlinkError(
        'CLI_USAGE',
        'against AWS, --iot-ca F is required: the CA of the IoT endpoints (Amazon Root CA 1, PEM)',
      );
    }
    const storageCaOption = o['storage-ca'] ?? platform?.caPath;
    const iotCa = await checkCa(iotCaOption, 'the IoT CA');
    const storageCa =
      storageCaOption === undefined ? undefined : await checkCa(storageCaOption, 'the storage CA');

    const clients = createAwsClients(target);
    let dataAddress: string;
    let credentialsAddress: string;
    try {
      dataAddress = await describeEndpoint(clients.iot, 'iot:Data-ATS');
      credentialsAddress = await describeEndpoint(clients.iot, 'iot:CredentialProvider');
    } finally {
      clients.destroy();
    }

    const out = resolve(o.out);
    const here = dirname(out);
    const file: DeviceEndpointsInput = {
      format: DEVICE_ENDPOINTS_FORMAT,
      mqtt: endpointUrl(dataAddress, 'mqtts', 8883),
      credentialsProvider: endpointUrl(credentialsAddress, 'https', 443),
      roleAlias,
      region: target.region,
      partition: target.partition,
      ...(videoRegion === undefined ? {} : { videoRegion }),
      ...(platform?.kvs === undefined ? {} : { kvsEndpoint: platform.kvs }),
      iotCaPath: pathFrom(here, iotCa),
      ...(storageCa === undefined ? {} : { storageCaPath: pathFrom(here, storageCa) }),
    };
    // What is written is what the camera will accept.
    const checked = deviceEndpointsSchema.parse(file);
    await writeFileAtomic(out, `${JSON.stringify(checked, null, 2)}\n`, {
      mode: PUBLIC_FILE_MODE,
      overwrite: o.force === true,
    });
    printResult(ctx.io, o.json, {
      written: out,
      mqtt: checked.mqtt,
      'credentials provider': checked.credentialsProvider,
      'role alias': checked.roleAlias,
      region: checked.region,
      'video region': checked.videoRegion ?? checked.region,
      'KVS endpoint': checked.kvsEndpoint,
      'IoT CA': iotCa,
      'storage CA': storageCa ?? 'none (system roots)',
    });
  },
});
