/**
 * DATA_DIR/endpoints.json: what `camlink up` is serving, written when it is ready. Cameras, the CLI and
 * tests read it to find the platform. Services add their URL here as they join the platform; readers
 * validate it with this schema (readEndpoints).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CamlinkError, systemErrorCode } from '../errors/camlink-error.js';

export const endpointsSchema = z.strictObject({
  /** Mutual-TLS MQTT (the IoT data endpoint). */
  mqtt: z.string().regex(/^mqtts:\/\//),
  /** Plaintext MQTT, only when the dev flag enabled it. */
  mqttPlaintext: z
    .string()
    .regex(/^mqtt:\/\//)
    .optional(),
  /** The AWS IoT control-plane API (use as the SDK's endpoint). */
  iot: z.string().regex(/^https?:\/\//),
  /** The IoT credentials provider (mutual TLS), DescribeEndpoint type iot:CredentialProvider. */
  iotCredentials: z
    .string()
    .regex(/^https:\/\//)
    .optional(),
  /** The Kinesis Video Streams control plane (use as the SDK's endpoint); absent: AWS in `region`. */
  kvs: z
    .string()
    .regex(/^https?:\/\//)
    .optional(),
  /** The S3-compatible object store (path-style base URL). */
  s3: z.string().regex(/^https?:\/\//),
  /** The SQS-compatible queue service, and the queue the upload rule feeds. */
  sqs: z.string().regex(/^https?:\/\//),
  uploadQueueUrl: z.string().regex(/^https?:\/\//),
  /** The STS-compatible service, when config sts.enabled. */
  sts: z
    .string()
    .regex(/^https:\/\//)
    .optional(),
  /** The IAM-compatible service, when config iam.enabled. */
  iam: z
    .string()
    .regex(/^https:\/\//)
    .optional(),
  /**
   * The backend (CC BE) REST API, /v1 (HTTPS with the endpoint certificate); absent when `camlink up`
   * runs no backend (cloudAccount.enabled: the operator starts `camlink backend`).
   */
  api: z
    .string()
    .regex(/^https?:\/\//)
    .optional(),
  /** The embedded AWS-compatible APIs' key pair (this file is 0600), also in the shared-credentials file. */
  credentials: z.strictObject({
    accessKeyId: z.string(),
    secretAccessKey: z.string(),
    profile: z.string(),
    sharedCredentialsFile: z.string(),
  }),
  /** The operator CA that signs device and server certificates (trust anchor for clients). */
  caPath: z.string(),
  partition: z.enum(['aws', 'aws-cn']),
  region: z.string(),
  accountId: z.string(),
  pid: z.number().int(),
  startedAt: z.string(),
});

export type Endpoints = z.infer<typeof endpointsSchema>;

/** The platform's services as the backend sees them before it is listening itself. */
export type ServiceEndpoints = Omit<Endpoints, 'api'>;

/** Reads and validates DATA_DIR/endpoints.json. */
export async function readEndpoints(path: string): Promise<Endpoints> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (systemErrorCode(err) === 'ENOENT') {
      throw new CamlinkError(
        'FILE_UNREADABLE',
        `no ${path}: start the platform with \`camlink up\` in this data dir, or configure backend.aws`,
      );
    }
    throw new CamlinkError('FILE_UNREADABLE', `cannot read ${path}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CamlinkError('FILE_UNREADABLE', `${path} is not JSON`, { cause: err });
  }
  const parsed = endpointsSchema.safeParse(json);
  if (!parsed.success)
    throw new CamlinkError('FILE_UNREADABLE', `${path} is not an endpoints file: ${parsed.error.message}`);
  return parsed.data;
}
