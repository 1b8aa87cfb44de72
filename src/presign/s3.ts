/**
 * S3 pre-signed URLs with @aws-sdk/s3-request-presigner (SigV4 query auth, S3 API Reference
 * "sigv4-query-string-auth"), partition aware: aws (s3.<region>.amazonaws.com) and aws-cn
 * (s3.<region>.amazonaws.com.cn), or a custom endpoint such as the embedded store. Checksums are
 * computed only when required (requestChecksumCalculation WHEN_REQUIRED), so a PUT URL carries no
 * x-amz-checksum-crc32 of an empty body.
 *
 * Credentials are a source, not a copy: static keys, or a provider such as the backend's S3 client's
 * (SDK default chain / profile), resolved before each URL. A URL never outlives the credentials that
 * signed it (credential-window.ts): short-lived ones are refreshed first, else the URL is shortened.
 */
import {
  S3Client,
  GetObjectCommand,
  PutObjectCommand,
  HeadObjectCommand,
  DeleteObjectCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { CamlinkError } from '../errors/camlink-error.js';
import { signingWindows } from './credential-window.js';
import { systemClock, type Clock } from '../util/clock.js';
import {
  checkPresignInput,
  MAX_PRESIGN_EXPIRY_SECONDS,
  type PresignedRequest,
  type PresignInput,
  type Presigner,
  signedPutHeaders,
} from './presigner.js';

export interface S3PresignerOptions {
  region: string;
  partition?: 'aws' | 'aws-cn';
  /** e.g. https://127.0.0.1:9000 for the embedded store; AWS's endpoint for the region otherwise. */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Static keys, or a provider resolved before each URL (e.g. an SDK client's config.credentials). */
  credentials: AwsSigningCredentials | AwsCredentialSource;
  clock?: Clock;
  maxExpirySeconds?: number;
}

/** The shape of AWS SDK v3 credentials (AwsCredentialIdentity). */
export interface AwsSigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
  readonly expiration?: Date | undefined;
}

/** An AWS SDK v3 credential provider; recent ones accept `{ forceRefresh: true }`. */
export type AwsCredentialSource = (options?: { forceRefresh?: boolean }) => Promise<AwsSigningCredentials>;

export function createS3Presigner(options: S3PresignerOptions): Presigner {
  const partition = options.partition ?? 'aws';
  const china = options.region.startsWith('cn-');
  if (china !== (partition === 'aws-cn')) {
    throw new CamlinkError(
      'PRESIGN_INVALID',
      `region ${options.region} is not in partition ${partition} (China regions cn-* are partition aws-cn)`,
    );
  }
  const clock = options.clock ?? systemClock;
  const maxExpiry = options.maxExpirySeconds ?? MAX_PRESIGN_EXPIRY_SECONDS;
  const given = options.credentials;
  const source: AwsCredentialSource = typeof given === 'function' ? given : () => Promise.resolve(given);
  const signingWindow = signingWindows(source);
  // One client per key pair: getSignedUrl signs with its client's credentials, so each URL gets a
  // client holding exactly the keys checked against its lifetime.
  let current: { id: string; client: S3Client } | undefined;
  const clientFor = (credentials: AwsSigningCredentials): S3Client => {
    const id = `${credentials.accessKeyId}\n${credentials.sessionToken ?? ''}`;
    if (current?.id === id) return current.client;
    current?.client.destroy();
    const client = new S3Client({
      region: options.region,
      credentials: {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        ...(credentials.sessionToken === undefined ? {} : { sessionToken: credentials.sessionToken }),
      },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    });
    current = { id, client };
    return client;
  };
  return {
    async presign(input: PresignInput): Promise<PresignedRequest> {
      checkPresignInput(input, maxExpiry);
      const signingDate = clock.now();
      const window = await signingWindow(signingDate, input.expiresInSeconds);
      const client = clientFor(window.credentials);
      const params = { Bucket: input.bucket, Key: input.key };
      const command =
        input.method === 'PUT'
          ? new PutObjectCommand({
              ...params,
              ...(input.contentType ? { ContentType: input.contentType } : {}),
              ...(input.contentLength === undefined ? {} : { ContentLength: input.contentLength }),
              ...(input.checksumSha256 === undefined ? {} : { ChecksumSHA256: input.checksumSha256 }),
            })
          : input.method === 'GET'
            ? new GetObjectCommand(params)
            : input.method === 'HEAD'
              ? new HeadObjectCommand(params)
              : new DeleteObjectCommand(params);
      const headers = signedPutHeaders(input);
      // Content-Type and Content-Length are not signed by default; signing them makes the store refuse
      // another type or length. The checksum stays a header (x-amz-* headers are hoisted into the query
      // otherwise, where S3 signs but does not check them), so the store verifies the bytes.
      const signed = Object.keys(headers).filter((name) => !name.startsWith('x-amz-'));
      const url = await getSignedUrl(client, command, {
        expiresIn: window.expiresInSeconds,
        signingDate,
        ...(signed.length > 0 ? { signableHeaders: new Set(signed) } : {}),
        ...(input.checksumSha256 === undefined
          ? {}
          : { unhoistableHeaders: new Set(['x-amz-checksum-sha256']) }),
      });
      const signingSecond = Math.floor(signingDate.getTime() / 1000) * 1000;
      return {
        url,
        method: input.method,
        headers,
        expiresAt: new Date(signingSecond + window.expiresInSeconds * 1000),
      };
    },
  };
}
