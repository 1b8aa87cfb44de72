/**
 * BackendServices with the official AWS SDK v3 clients. Two sources, one code path:
 * - the embedded platform: the endpoints, key pair and CA of DATA_DIR/endpoints.json (what `camlink up`
 *   wrote), the backend's MQTT identity from DATA_DIR/backend/;
 * - AWS (global or China) or compatible services: backend.aws in the config, credentials from the
 *   SDK's default chain or a named profile.
 * Objects are addressed by a logical bucket name; with the COS presigner the physical bucket is
 * <bucket>-<appId> and HEAD/GET/DELETE go to COS's S3-compatible API.
 * Credentials stay sources, never copies: the presigner resolves them before each URL (the S3 client's
 * refreshing provider, or the COS key source both the presigner and the COS client share).
 */
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { IoTClient } from '@aws-sdk/client-iot';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { inDataDir } from '../../config/paths.js';
import type { CamlinkConfig } from '../../config/schema.js';
import { readEndpoints, type ServiceEndpoints } from '../../contracts/endpoints.js';
import { BACKEND_THING_NAME } from '../../contracts/backend-policy.js';
import { CamlinkError, systemErrorCode } from '../../errors/camlink-error.js';
import { cosEncodeKey, createCosPresigner } from '../../presign/cos.js';
import { createS3Presigner, type AwsCredentialSource } from '../../presign/s3.js';
import type { Presigner } from '../../presign/presigner.js';
import type { Clock } from '../../util/clock.js';
import { checkCloudTarget } from './cloud-target.js';
import { cosAsAws, cosCredentialSource } from './cos-credentials.js';
import { IotDeviceDirectory } from './devices.js';
import { KvsVideoStreams } from './video.js';
import { upstream } from './upstream.js';
import type { BackendMqttIdentity, BackendServices, ObjectHead, ObjectStore } from './types.js';

/** Where the embedded platform keeps the backend's MQTT identity. */
export function backendIdentityPaths(dataDir: string): { certPath: string; keyPath: string } {
  const dir = join(dataDir, 'backend');
  return {
    certPath: join(dir, `${BACKEND_THING_NAME}.cert.pem`),
    keyPath: join(dir, `${BACKEND_THING_NAME}.key.pem`),
  };
}

interface Resolved {
  region: string;
  partition: 'aws' | 'aws-cn';
  s3Endpoint: string | undefined;
  sqsEndpoint: string | undefined;
  iotEndpoint: string | undefined;
  kvsEndpoint: string | undefined;
  uploadQueueUrl: string;
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  profile: string | undefined;
  ca: Buffer | undefined;
  mqtt: BackendMqttIdentity | undefined;
}

async function resolveSources(
  config: Readonly<CamlinkConfig>,
  embedded: ServiceEndpoints | undefined,
): Promise<Resolved> {
  const aws = config.backend.aws;
  if (aws !== undefined) {
    const file = (path: string | undefined) =>
      path === undefined ? undefined : inDataDir(config.dataDir, path);
    const [certPath, keyPath] = [file(aws.mqttCertFile), file(aws.mqttKeyFile)];
    const configured = (path: string, given: string | undefined) =>
      readConfiguredFile(path, given ?? path, config.dataDir);
    if (aws.mqttUrl !== undefined && (certPath === undefined || keyPath === undefined)) {
      throw new CamlinkError(
        'CONFIG_INVALID',
        'backend.aws.mqttUrl needs backend.aws.mqttCertFile and mqttKeyFile',
      );
    }
    return {
      region: aws.region,
      partition: aws.partition,
      s3Endpoint: aws.s3Endpoint,
      sqsEndpoint: aws.sqsEndpoint,
      iotEndpoint: aws.iotEndpoint,
      kvsEndpoint: aws.kvsEndpoint,
      uploadQueueUrl: aws.uploadQueueUrl,
      credentials: undefined,
      profile: aws.profile,
      ca: undefined,
      mqtt:
        aws.mqttUrl !== undefined && certPath !== undefined && keyPath !== undefined
          ? {
              url: aws.mqttUrl,
              clientId: BACKEND_THING_NAME,
              cert: await configured(certPath, aws.mqttCertFile),
              key: await configured(keyPath, aws.mqttKeyFile),
              ca: undefined,
            }
          : undefined,
    };
  }
  const endpoints = embedded ?? (await readEndpoints(join(config.dataDir, 'endpoints.json')));
  const ca = await readSecret(endpoints.caPath);
  const identity = backendIdentityPaths(config.dataDir);
  return {
    region: endpoints.region,
    partition: endpoints.partition,
    s3Endpoint: endpoints.s3,
    sqsEndpoint: endpoints.sqs,
    iotEndpoint: endpoints.iot,
    kvsEndpoint: endpoints.kvs,
    uploadQueueUrl: endpoints.uploadQueueUrl,
    credentials: {
      accessKeyId: endpoints.credentials.accessKeyId,
      secretAccessKey: endpoints.credentials.secretAccessKey,
    },
    profile: undefined,
    ca,
    mqtt: {
      url: endpoints.mqtt,
      clientId: BACKEND_THING_NAME,
      cert: await readSecret(identity.certPath),
      key: await readSecret(identity.keyPath),
      ca,
    },
  };
}

export interface BackendServicesOptions {
  /** The embedded platform's endpoints, when the backend runs inside `camlink up`. */
  readonly endpoints?: ServiceEndpoints;
  readonly clock: Clock;
}

export async function createBackendServices(
  config: Readonly<CamlinkConfig>,
  options: BackendServicesOptions,
): Promise<BackendServices> {
  checkCloudTarget(config);
  const r = await resolveSources(config, options.endpoints);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 64, ...(r.ca ? { ca: r.ca } : {}) });
  const common = {
    region: r.region,
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({
      httpsAgent: agent,
      connectionTimeout: 5_000,
      requestTimeout: 30_000,
    }),
    ...(r.credentials ? { credentials: r.credentials } : {}),
    ...(r.profile ? { profile: r.profile } : {}),
  };
  const cos = config.backend.presigner === 'cos' ? config.backend.cos : undefined;
  if (config.backend.presigner === 'cos' && cos === undefined) {
    throw new CamlinkError('CONFIG_INVALID', 'backend.presigner is cos but backend.cos is not configured');
  }
  const s3Endpoint = cos ? (cos.endpoint ?? `https://cos.${cos.region}.myqcloud.com`) : r.s3Endpoint;
  const cosKeys = cos ? cosCredentialSource(cos, options.clock) : undefined;
  const s3 = new S3Client({
    ...common,
    ...(cos && cosKeys ? { region: cos.region, credentials: cosAsAws(cosKeys) } : {}),
    ...(s3Endpoint ? { endpoint: s3Endpoint } : {}),
    forcePathStyle: cos ? cos.endpoint !== undefined : r.s3Endpoint !== undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const sqs = new SQSClient({ ...common, ...(r.sqsEndpoint ? { endpoint: r.sqsEndpoint } : {}) });
  const iot = new IoTClient({ ...common, ...(r.iotEndpoint ? { endpoint: r.iotEndpoint } : {}) });
  const videoSettings = config.backend.video;
  const video = videoSettings.enabled
    ? new KvsVideoStreams(
        { ...common, ...(r.kvsEndpoint ? { endpoint: r.kvsEndpoint } : {}) },
        videoSettings,
        options.clock,
      )
    : undefined;

  let presigner: Presigner;
  let physical: (bucket: string) => string;
  let objectUrl: (bucket: string, key: string) => string;
  if (cos && cosKeys) {
    presigner = createCosPresigner({
      appId: cos.appId,
      region: cos.region,
      ...(cos.endpoint === undefined ? {} : { endpoint: cos.endpoint }),
      credentials: cosKeys,
      clock: options.clock,
      maxExpirySeconds: 3_600,
    });
    physical = (bucket) => `${bucket}-${cos.appId}`;
    objectUrl = (bucket, key) =>
      cos.endpoint !== undefined
        ? `${trimSlash(cos.endpoint)}/${physical(bucket)}/${cosEncodeKey(key)}`
        : `https://${physical(bucket)}.cos.${cos.region}.myqcloud.com/${cosEncodeKey(key)}`;
  } else {
    // The S3 client's own provider (SDK default chain or profile, memoized and refreshed), not a copy:
    // URLs signed with role credentials die with the session.
    const credentials: AwsCredentialSource = s3.config.credentials;
    presigner = createS3Presigner({
      region: r.region,
      partition: r.partition,
      ...(r.s3Endpoint ? { endpoint: r.s3Endpoint } : {}),
      credentials,
      clock: options.clock,
      maxExpirySeconds: 3_600,
    });
    physical = (bucket) => bucket;
    const suffix = r.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
    objectUrl = (bucket, key) =>
      r.s3Endpoint !== undefined
        ? `${trimSlash(r.s3Endpoint)}/${bucket}/${cosEncodeKey(key)}`
        : `https://${bucket}.s3.${r.region}.${suffix}/${cosEncodeKey(key)}`;
  }

  const objects: ObjectStore = {
    async head(bucket, key): Promise<ObjectHead | undefined> {
      try {
        const out = await s3.send(
          new HeadObjectCommand({ Bucket: physical(bucket), Key: key, ChecksumMode: 'ENABLED' }),
        );
        return objectHead(out);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw upstream('S3 HeadObject', err);
      }
    },
    async fetch(bucket, key) {
      try {
        const out = await s3.send(
          new GetObjectCommand({ Bucket: physical(bucket), Key: key, ChecksumMode: 'ENABLED' }),
        );
        return { head: objectHead(out), body: out.Body as Readable };
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw upstream('S3 GetObject', err);
      }
    },
    async get(bucket, key): Promise<Readable | undefined> {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: physical(bucket), Key: key }));
        return out.Body as Readable;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw upstream('S3 GetObject', err);
      }
    },
    async delete(bucket, key): Promise<void> {
      try {
        await s3.send(new DeleteObjectCommand({ Bucket: physical(bucket), Key: key }));
      } catch (err) {
        if (isNotFound(err)) return;
        throw upstream('S3 DeleteObject', err);
      }
    },
    async put(bucket, key, body, contentType): Promise<void> {
      try {
        await s3.send(
          new PutObjectCommand({ Bucket: physical(bucket), Key: key, Body: body, ContentType: contentType }),
        );
      } catch (err) {
        throw upstream('S3 PutObject', err);
      }
    },
    objectUrl,
  };

  return {
    presigner,
    objects,
    devices: new IotDeviceDirectory(iot),
    sqs,
    uploadQueueUrl: r.uploadQueueUrl,
    mqtt: r.mqtt,
    video,
    close() {
      video?.close();
      s3.destroy();
      sqs.destroy();
      iot.destroy();
      agent.destroy();
    },
  };
}

function isNotFound(err: unknown): boolean {
  return (
    err instanceof S3ServiceException &&
    (err.name === 'NotFound' || err.name === 'NoSuchKey' || err.$metadata.httpStatusCode === 404)
  );
}

/**
 * A file named in the config (relative to the data dir). A relative path that starts with the data
 * dir's own name (".camlink/devices/x.pem" with dataDir ".camlink") was most likely meant from the
 * working directory: say so when it is missing.
 */
async function readConfiguredFile(path: string, given: string, dataDir: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const first = given.split(/[\\/]/)[0];
    const dirName = basename(resolve(dataDir));
    const hint =
      systemErrorCode(err) === 'ENOENT' && !isAbsolute(given) && first === dirName
        ? ` (config paths are relative to the data dir ${dataDir}: write "${given.slice(first.length + 1)}", not "${given}")`
        : '';
    throw new CamlinkError('FILE_UNREADABLE', `cannot read ${path}${hint}`, { cause: err });
  }
}

async function readSecret(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new CamlinkError('FILE_UNREADABLE', `cannot read ${path}`, { cause: err });
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** What HeadObject and GetObject (with ChecksumMode ENABLED) both say of an object. */
function objectHead(out: {
  ContentLength?: number | undefined;
  ContentType?: string | undefined;
  ChecksumSHA256?: string | undefined;
  ETag?: string | undefined;
}): ObjectHead {
  return {
    size: out.ContentLength ?? 0,
    contentType: out.ContentType,
    sha256:
      out.ChecksumSHA256 === undefined
        ? undefined
        : Buffer.from(out.ChecksumSHA256, 'base64').toString('hex'),
    etag: out.ETag,
  };
}
