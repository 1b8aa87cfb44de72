/**
 * (f) The media bucket lets browsers and apps PUT to pre-signed URLs: a CORS rule allows PUT
 * (GetBucketCors). A store without CORS support (the embedded one: NotImplemented) leaves it UNCHECKED.
 * The client is S3's, or COS's S3-compatible API for a COS deployment (run.ts decides); `what` names
 * the store in the detail ("bucket", "COS bucket").
 */
import { GetBucketCorsCommand, type S3Client } from '@aws-sdk/client-s3';
import { hasErrorName } from '../service-error.js';
import { errorResult, result, type CheckResult } from './check.js';

export const BUCKET_CORS_CHECK = 'bucket-cors';

export async function checkBucketCors(s3: S3Client, bucket: string, what = 'bucket'): Promise<CheckResult> {
  let answer;
  try {
    answer = await s3.send(new GetBucketCorsCommand({ Bucket: bucket }));
  } catch (err) {
    if (hasErrorName(err, 'NotImplemented')) {
      return result(
        BUCKET_CORS_CHECK,
        'UNCHECKED',
        `${what} ${bucket}: this object store does not implement bucket CORS`,
      );
    }
    if (hasErrorName(err, 'NoSuchBucket'))
      return result(BUCKET_CORS_CHECK, 'MISSING', `no ${what} ${bucket}`);
    if (hasErrorName(err, 'NoSuchCORSConfiguration')) {
      return result(BUCKET_CORS_CHECK, 'MISSING', `${what} ${bucket} has no CORS configuration`);
    }
    return errorResult(BUCKET_CORS_CHECK, 'GetBucketCors', err);
  }
  const puts = (answer.CORSRules ?? []).filter((r) => (r.AllowedMethods ?? []).includes('PUT'));
  if (puts.length === 0) {
    return result(BUCKET_CORS_CHECK, 'DIFFERENT', `${what} ${bucket}: no CORS rule allows PUT`);
  }
  const origins = [...new Set(puts.flatMap((r) => r.AllowedOrigins ?? []))];
  return result(BUCKET_CORS_CHECK, 'OK', `${what} ${bucket}: PUT allowed from ${origins.join(', ')}`);
}
