/**
 * The app's settings from CDK context (`cdk synth -c key=value`, or cdk.json / cdk.context.json),
 * validated at the boundary: unknown values are refused with a clear message, never guessed.
 *
 * | key | meaning | default |
 * |---|---|---|
 * | region | target region; `cn-*` selects the aws-cn partition | ap-northeast-1 |
 * | account | target account | CDK_DEFAULT_ACCOUNT, else left to CloudFormation (`${AWS::AccountId}`) |
 * | stackName | the CloudFormation stack name | camlink |
 * | bucketName | media bucket name | camlink-media-<account>-<region> |
 * | corsOrigins | comma-separated browser origins for the media bucket | * |
 * | expirationDays | delete media after this many days | keep |
 * | domainName, hostedZoneId, zoneName, iotEndpoint | custom data domain (all four, or none) | none |
 * | icpFiled | accepted for old command lines; enables nothing (no custom domain in aws-cn) | false |
 * | video | `false`: no Kinesis Video Streams permission anywhere | true |
 * | videoRegion | region of the camera video streams (must offer KVS) | the stack region |
 * | backendAssumedBy | IAM principal ARN allowed to assume the backend role | the account root |
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Node } from 'constructs';
import type { CamlinkStackProps } from './camlink-stack.js';

export const DEFAULT_REGION = 'ap-northeast-1';
export const DEFAULT_STACK_NAME = 'camlink';

const DOMAIN_KEYS = ['domainName', 'hostedZoneId', 'zoneName', 'iotEndpoint'] as const;

function text(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new Error(`context ${key} must be a string, got ${JSON.stringify(value)}`);
  }
  return String(value);
}

function flag(node: Node, key: string): boolean {
  const value = text(node, key);
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new Error(`context ${key} must be true or false, got "${value}"`);
}

/** An IAM principal ARN: the account root, a role or a user, in the stack's partition. */
const PRINCIPAL_ARN =
  /^arn:(aws|aws-cn):iam::\d{12}:(root|role\/[\w+=,.@/-]{1,512}|user\/[\w+=,.@/-]{1,512})$/;

function principalArn(node: Node, region: string): string | undefined {
  const arn = text(node, 'backendAssumedBy');
  if (arn === undefined) return undefined;
  const match = PRINCIPAL_ARN.exec(arn);
  if (match === null) {
    throw new Error(
      `context backendAssumedBy must be an IAM role, user or account root ARN (arn:aws:iam::<account>:role/<name>), got "${arn}"`,
    );
  }
  const partition = region.startsWith('cn-') ? 'aws-cn' : 'aws';
  if (match[1] !== partition) {
    throw new Error(
      `context backendAssumedBy ${arn} is not in the ${partition} partition of region ${region}`,
    );
  }
  return arn;
}

/** The stack name and props the app builds from context and the CLI's environment. */
export function camlinkStackSettings(
  node: Node,
  env: NodeJS.ProcessEnv = process.env,
): { stackName: string; props: CamlinkStackProps } {
  const region = text(node, 'region') ?? DEFAULT_REGION;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new Error(`context region "${region}" is not an AWS region name`);
  }
  const account = text(node, 'account') ?? env.CDK_DEFAULT_ACCOUNT;
  if (account !== undefined && !/^\d{12}$/.test(account)) {
    throw new Error(`account "${account}" is not a 12-digit AWS account id`);
  }
  const stackName = text(node, 'stackName') ?? DEFAULT_STACK_NAME;

  const bucketName = text(node, 'bucketName');
  const cors = text(node, 'corsOrigins');
  const expiration = text(node, 'expirationDays');
  const expirationDays = expiration === undefined ? undefined : Number(expiration);
  if (expirationDays !== undefined && !Number.isInteger(expirationDays)) {
    throw new Error(`context expirationDays must be a whole number, got "${expiration}"`);
  }

  const domain = DOMAIN_KEYS.map((key) => [key, text(node, key)] as const);
  const given = domain.filter(([, value]) => value !== undefined);
  if (given.length > 0 && given.length < DOMAIN_KEYS.length) {
    const missing = domain.filter(([, value]) => value === undefined).map(([key]) => key);
    throw new Error(`a custom domain needs ${DOMAIN_KEYS.join(', ')}; missing ${missing.join(', ')}`);
  }
  // Parsed for old command lines; a custom domain is refused in aws-cn whatever its value (domain.ts).
  const icpFiled = flag(node, 'icpFiled');
  const video = text(node, 'video') === undefined ? true : flag(node, 'video');
  const videoRegion = text(node, 'videoRegion');
  if (videoRegion !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(videoRegion)) {
    throw new Error(`context videoRegion "${videoRegion}" is not an AWS region name`);
  }
  if (!video && videoRegion !== undefined) {
    throw new Error('context videoRegion and video=false exclude each other');
  }
  const assumedBy = principalArn(node, region);

  const value = (key: (typeof DOMAIN_KEYS)[number]): string => domain.find(([k]) => k === key)?.[1] ?? '';

  return {
    stackName,
    props: {
      stackName,
      env: { region, ...(account === undefined ? {} : { account }) },
      description: 'camlink: cameras to AWS IoT, S3, SQS and Kinesis Video Streams',
      mediaBucket: {
        ...(bucketName === undefined ? {} : { bucketName }),
        ...(cors === undefined ? {} : { corsAllowedOrigins: cors.split(',').map((o) => o.trim()) }),
        ...(expirationDays === undefined ? {} : { expirationDays }),
      },
      ...(video ? {} : { video: false }),
      ...(videoRegion === undefined ? {} : { videoRegion }),
      ...(assumedBy === undefined ? {} : { backendAssumedBy: new iam.ArnPrincipal(assumedBy) }),
      ...(given.length === 0
        ? {}
        : {
            customDomain: {
              domainName: value('domainName'),
              hostedZoneId: value('hostedZoneId'),
              zoneName: value('zoneName'),
              iotEndpoint: value('iotEndpoint'),
              icpFiled,
            },
          }),
    },
  };
}
