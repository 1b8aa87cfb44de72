/**
 * Which object store the bucket-cors check asks: the target's S3, or, when the backend presigns for
 * Tencent COS (`backend.presigner: cos`), the COS bucket `<bucket>-<appId>` through COS's
 * S3-compatible API (https://cos.<region>.myqcloud.com, or `backend.cos.endpoint`) with the COS keys.
 * Without COS keys configured the check is UNCHECKED with the reason: S3 is not where the media is.
 */
import https from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { CamlinkConfig } from '../../config/schema.js';
import { cosAsAws, cosCredentialSource } from '../../backend/cloud/cos-credentials.js';
import { systemClock } from '../../util/clock.js';
import { BUCKET_CORS_CHECK, checkBucketCors } from './bucket-cors.js';
import { result, type CheckResult } from './check.js';

export interface MediaBucketInput {
  /** The target's S3 client (AWS or the embedded store). */
  readonly s3: S3Client;
  /** The logical media bucket (`--bucket`, default `backend.uploads.bucket`). */
  readonly bucket: string;
  readonly presigner: CamlinkConfig['backend']['presigner'];
  readonly cos: CamlinkConfig['backend']['cos'];
  /** Extra trust anchor for an HTTPS `backend.cos.endpoint` signed by the operator CA. */
  readonly ca: Buffer | undefined;
}

export async function checkMediaBucketCors(input: MediaBucketInput): Promise<CheckResult> {
  if (input.presigner !== 'cos') return checkBucketCors(input.s3, input.bucket);
  const cos = input.cos;
  if (cos === undefined) {
    return result(
      BUCKET_CORS_CHECK,
      'UNCHECKED',
      'backend.presigner is cos but backend.cos (appId, region, keys) is not configured: ' +
        'the COS bucket cannot be asked, and S3 is not where the media is',
    );
  }
  const agent = new https.Agent({ keepAlive: false, ...(input.ca ? { ca: input.ca } : {}) });
  const client = new S3Client({
    region: cos.region,
    endpoint: cos.endpoint ?? `https://cos.${cos.region}.myqcloud.com`,
    forcePathStyle: cos.endpoint !== undefined,
    // Static keys or the credential process, as the backend itself would use them.
    credentials: cosAsAws(cosCredentialSource(cos, systemClock)),
    maxAttempts: 2,
    requestHandler: new NodeHttpHandler({
      httpsAgent: agent,
      connectionTimeout: 5_000,
      requestTimeout: 30_000,
    }),
  });
  try {
    return await checkBucketCors(client, `${input.bucket}-${cos.appId}`, 'COS bucket');
  } finally {
    client.destroy();
    agent.destroy();
  }
}
