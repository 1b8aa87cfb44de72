/**
 * The media bucket: cameras PUT photos into it with the backend's pre-signed URLs (docs/ARCHITECTURE
 * flow 4) and, with the camera role, under devices/<thing>/. Private, encrypted, TLS only; CORS lets a
 * browser (the dashboard, a web app) PUT/GET with a pre-signed URL and read the ETag.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { backendConfigSchema } from '../../src/config/schema.js';

/** The backend's default bucket (config `backend.uploads.bucket`), the prefix of the default name. */
export const DEFAULT_MEDIA_BUCKET_PREFIX: string = backendConfigSchema.parse({}).uploads.bucket;

export interface CamlinkMediaBucketProps {
  /**
   * The bucket name. Bucket names are global across all accounts of a partition, so the backend's
   * default (`camlink-media`) is made unique.
   * @default `camlink-media-<account>-<region>`
   */
  readonly bucketName?: string;
  /**
   * Keep every version of every object.
   * @default false
   */
  readonly versioned?: boolean;
  /**
   * Origins allowed to PUT/GET/HEAD with pre-signed URLs from a browser.
   * @default ['*'] (a pre-signed URL is the authorization; the origin adds nothing)
   */
  readonly corsAllowedOrigins?: readonly string[];
  /**
   * Delete objects this many days after upload.
   * @default undefined (objects are kept)
   */
  readonly expirationDays?: number;
  /**
   * What CloudFormation does with the bucket when it leaves the stack.
   * @default RemovalPolicy.RETAIN (media outlives the stack)
   */
  readonly removalPolicy?: RemovalPolicy;
}

export class CamlinkMediaBucket extends Construct {
  readonly bucket: s3.Bucket;
  /**
   * The bucket's name as configured (literal when the stack's account is): policies that name the
   * bucket use it, so they read as plain ARNs rather than references.
   */
  readonly bucketName: string;

  constructor(scope: Construct, id: string, props: CamlinkMediaBucketProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const expiration = props.expirationDays;
    if (expiration !== undefined && (!Number.isInteger(expiration) || expiration < 1)) {
      throw new Error(`expirationDays must be a whole number of days >= 1, got ${expiration}`);
    }
    this.bucketName = props.bucketName ?? `${DEFAULT_MEDIA_BUCKET_PREFIX}-${stack.account}-${stack.region}`;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: this.bucketName,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: props.versioned ?? false,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      cors: [
        {
          allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
          allowedOrigins: [...(props.corsAllowedOrigins ?? ['*'])],
          allowedHeaders: ['content-type', 'content-length', 'x-amz-*'],
          exposedHeaders: ['ETag'],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [
        {
          id: 'abort-incomplete-multipart',
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        ...(expiration === undefined ? [] : [{ id: 'expire-media', expiration: Duration.days(expiration) }]),
      ],
    });
  }
}
