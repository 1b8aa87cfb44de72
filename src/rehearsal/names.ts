/**
 * The host names a client dials for a cloud target when it is given no endpoint override: what the AWS
 * SDK v3 endpoint rulesets build from `region` alone (checked against @aws-sdk/client-s3, client-sqs,
 * client-iot, client-kinesis-video and nested-clients' STS in node_modules: test/rehearsal/names.test.ts
 * asks the real clients), what AWS IoT's DescribeEndpoint answers (iot:Data-ATS, iot:CredentialProvider),
 * what KVS's GetDataEndpoint answers, and Tencent COS's bucket domains.
 *
 *   IoT data (ATS)        <prefix>-ats.iot.<region>.amazonaws.com   /  <prefix>.ats.iot.<region>.amazonaws.com.cn
 *   credentials provider  <prefix>.credentials.iot.<region>.amazonaws.com[.cn]
 *   S3                    s3.<region>.<suffix>, <bucket>.s3.<region>.<suffix> (virtual-hosted)
 *   COS                   <bucket>-<appid>.cos.<region>.myqcloud.com, cos.<region>.myqcloud.com
 *   IAM                   iam.amazonaws.com (global, signed for us-east-1) / iam.cn-north-1.amazonaws.com.cn
 *                         (both China regions, signed for cn-north-1), as @aws-sdk/client-iam's ruleset builds
 */
import { CamlinkError } from '../errors/camlink-error.js';

export type Partition = 'aws' | 'aws-cn';

export interface CloudTarget {
  readonly partition: Partition;
  /** AWS region, e.g. ap-northeast-1 or cn-north-1. */
  readonly region: string;
  /** 12-digit account id. */
  readonly account: string;
  /** The account's IoT endpoint prefix (DescribeEndpoint), e.g. a1b2c3d4e5f6g7. */
  readonly iotEndpointPrefix: string;
  /** Tencent COS storage instead of S3 (the IoT side stays AWS). */
  readonly cos?: { readonly appId: string; readonly region: string };
}

export interface CloudNames {
  /** DNS suffix of the partition: amazonaws.com or amazonaws.com.cn. */
  readonly dnsSuffix: string;
  readonly iotData: string;
  readonly iotCredentials: string;
  readonly iotControl: string;
  readonly s3: string;
  /** Wildcard covering every virtual-hosted bucket: `*.s3.<region>.<suffix>`. */
  readonly s3VirtualHosts: string;
  /** Domain the store must accept for "<bucket>.<domain>" (config storage.virtualHostDomains). */
  readonly s3VirtualHostDomain: string;
  readonly sqs: string;
  readonly sts: string;
  /** IAM's endpoint: one per partition, whatever the region. */
  readonly iam: string;
  readonly kvs: string;
  /** Wildcard covering KVS data endpoints (s-xxxxxxxx. / b-xxxxxxxx.kinesisvideo.<region>.<suffix>). */
  readonly kvsData: string;
  /** COS names when the target stores in COS. */
  readonly cos?: {
    readonly service: string;
    readonly buckets: string;
    readonly virtualHostDomain: string;
  };
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const COS_REGION = /^[a-z]+-[a-z]+(-\d+)?$/;
const PREFIX = /^[a-z0-9]{1,63}$/;
const ACCOUNT = /^\d{12}$/;
const APP_ID = /^\d{1,20}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function invalid(message: string): CamlinkError {
  return new CamlinkError('REHEARSAL_TARGET_INVALID', message);
}

export function dnsSuffix(partition: Partition): string {
  return partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/** Checks a target: a China region only in aws-cn and the reverse, names that can be DNS labels. */
export function checkTarget(target: CloudTarget): void {
  if (!REGION.test(target.region)) throw invalid(`"${target.region}" is not an AWS region name`);
  if (target.region.startsWith('cn-') !== (target.partition === 'aws-cn')) {
    throw invalid(`region ${target.region} is not in partition ${target.partition}`);
  }
  if (!ACCOUNT.test(target.account)) throw invalid('the account id must be 12 digits');
  if (!PREFIX.test(target.iotEndpointPrefix)) {
    throw invalid('the IoT endpoint prefix must be 1-63 lower-case letters and digits');
  }
  if (target.cos !== undefined) {
    if (!APP_ID.test(target.cos.appId)) throw invalid('the COS appId must be digits');
    if (!COS_REGION.test(target.cos.region)) throw invalid(`"${target.cos.region}" is not a COS region`);
  }
}

export function cloudNames(target: CloudTarget): CloudNames {
  checkTarget(target);
  const { region, iotEndpointPrefix: prefix } = target;
  const suffix = dnsSuffix(target.partition);
  const regional = (service: string) => `${service}.${region}.${suffix}`;
  const s3 = regional('s3');
  const kvs = regional('kinesisvideo');
  return {
    dnsSuffix: suffix,
    // DescribeEndpoint iot:Data-ATS: "-ats" in the global partitions, ".ats" in China.
    iotData:
      target.partition === 'aws-cn'
        ? `${prefix}.ats.iot.${region}.${suffix}`
        : `${prefix}-ats.iot.${region}.${suffix}`,
    iotCredentials: `${prefix}.credentials.iot.${region}.${suffix}`,
    iotControl: regional('iot'),
    s3,
    s3VirtualHosts: `*.${s3}`,
    s3VirtualHostDomain: s3,
    sqs: regional('sqs'),
    sts: regional('sts'),
    iam: iamHost(target.partition),
    kvs,
    kvsData: `*.${kvs}`,
    ...(target.cos === undefined
      ? {}
      : {
          cos: {
            service: `cos.${target.cos.region}.myqcloud.com`,
            buckets: `*.cos.${target.cos.region}.myqcloud.com`,
            virtualHostDomain: `cos.${target.cos.region}.myqcloud.com`,
          },
        }),
  };
}

/** IAM's host name in a partition (client-iam's endpoint ruleset; China serves both regions from one). */
export function iamHost(partition: Partition): string {
  return partition === 'aws-cn' ? 'iam.cn-north-1.amazonaws.com.cn' : 'iam.amazonaws.com';
}

/** The region IAM requests are signed for in a partition (client-iam's endpoint ruleset). */
export function iamSigningRegion(partition: Partition): string {
  return partition === 'aws-cn' ? 'cn-north-1' : 'us-east-1';
}

/** The virtual-hosted name of an S3 bucket (the SDK uses it for DNS-compatible names without dots). */
export function s3BucketHost(target: CloudTarget, bucket: string): string {
  if (!BUCKET.test(bucket) || bucket.includes('.')) {
    throw invalid(`bucket "${bucket}" has no virtual-hosted name (the SDK goes path-style for it)`);
  }
  return `${bucket}.${cloudNames(target).s3}`;
}

/** The COS name of bucket `<name>-<appId>` (COS bucket names carry the APPID). */
export function cosBucketHost(target: CloudTarget, bucket: string): string {
  const names = cloudNames(target);
  if (target.cos === undefined || names.cos === undefined) throw invalid('the target has no COS storage');
  const full = bucket.endsWith(`-${target.cos.appId}`) ? bucket : `${bucket}-${target.cos.appId}`;
  if (!BUCKET.test(full)) throw invalid(`"${full}" is not a COS bucket name`);
  return `${full}.${names.cos.virtualHostDomain}`;
}

/** A KVS data endpoint as GetDataEndpoint answers it (`https://<id>.kinesisvideo.<region>.<suffix>`). */
export function kvsDataEndpoint(target: CloudTarget, id: string): string {
  if (!/^[a-z]-[a-z0-9]{8}$/.test(id)) throw invalid(`"${id}" is not a KVS data endpoint id like s-1a2b3c4d`);
  return `https://${id}.${cloudNames(target).kvs}`;
}

/** Every name a server certificate for the target must cover, split by who signs it. */
export function certificateNames(target: CloudTarget): { publicNames: string[]; atsNames: string[] } {
  const n = cloudNames(target);
  const publicNames = [n.iotControl, n.s3, n.s3VirtualHosts, n.sqs, n.sts, n.iam, n.kvs, n.kvsData];
  if (n.cos !== undefined) publicNames.push(n.cos.service, n.cos.buckets);
  return { publicNames, atsNames: [n.iotData, n.iotCredentials] };
}
