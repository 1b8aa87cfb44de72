/**
 * Where `camlink aws ...` talks to: AWS itself (a region, credentials from the SDK's default chain or a
 * named profile) or an AWS-compatible IoT/S3/SQS (the embedded platform: its endpoints.json gives the
 * endpoints, the local key pair, its CA, region, partition and account).
 */
export type Partition = 'aws' | 'aws-cn';

export interface AwsTarget {
  /** 'embedded' when the endpoints came from a camlink endpoints.json. */
  readonly kind: 'aws' | 'embedded';
  readonly region: string;
  readonly partition: Partition;
  /** The account, when known without asking (the embedded platform's, or --account). */
  readonly account: string | undefined;
  readonly iotEndpoint: string | undefined;
  readonly s3Endpoint: string | undefined;
  readonly sqsEndpoint: string | undefined;
  /** The upload queue (endpoints.json uploadQueueUrl, backend.aws.uploadQueueUrl or --queue-url). */
  readonly uploadQueueUrl: string | undefined;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
  readonly profile: string | undefined;
  /** Extra trust anchor for HTTPS endpoints signed by the operator CA. */
  readonly ca: Buffer | undefined;
}

/** The ARN partition of a region: China regions (cn-*) are aws-cn. */
export function partitionOf(region: string): Partition {
  return region.startsWith('cn-') ? 'aws-cn' : 'aws';
}

export const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/;
export const ACCOUNT_PATTERN = /^\d{12}$/;
