/**
 * The connection options `camlink aws ...` shares, and the target they resolve to: the embedded
 * platform (--embedded reads DATA_DIR/endpoints.json, --endpoints F another one) or AWS (--region,
 * --profile, endpoint overrides; defaults from the backend.aws configuration section).
 */
import { join } from 'node:path';
import { readEndpoints } from '../../contracts/endpoints.js';
import type { CamlinkConfig } from '../../config/schema.js';
import { CamlinkError } from '../../errors/camlink-error.js';
import { readInputFile } from '../../util/atomic-file.js';
import { ACCOUNT_PATTERN, partitionOf, REGION_PATTERN, type AwsTarget } from '../../aws/target.js';
import type { OptionSpec } from '../command.js';

const CA_FILE_MAX_BYTES = 1024 * 1024;

export const awsTargetOptions = {
  embedded: {
    type: 'boolean',
    description: 'talk to the embedded platform of DATA_DIR (its endpoints.json: endpoints, keys, CA)',
  },
  endpoints: {
    type: 'string',
    valueName: 'FILE',
    description: "talk to the embedded platform of this endpoints.json (another data dir's)",
  },
  region: {
    type: 'string',
    valueName: 'REGION',
    description: 'AWS region (default backend.aws.region, AWS_REGION); cn-* regions are partition aws-cn',
  },
  profile: {
    type: 'string',
    valueName: 'NAME',
    description: 'shared-credentials profile (default: the SDK default credential chain)',
  },
  endpoint: {
    type: 'string',
    valueName: 'URL',
    description: 'IoT control-plane API endpoint override (e.g. endpoints.json "iot")',
  },
  'ca-file': {
    type: 'string',
    valueName: 'FILE',
    description: 'extra trusted CA (PEM) for HTTPS endpoint overrides',
  },
  account: {
    type: 'string',
    valueName: 'ID',
    description: 'the 12-digit AWS account (default: from endpoints.json or the ARNs AWS answers)',
  },
} as const satisfies Record<string, OptionSpec>;

export interface AwsTargetValues {
  readonly embedded: boolean | undefined;
  readonly endpoints: string | undefined;
  readonly region: string | undefined;
  readonly profile: string | undefined;
  readonly endpoint: string | undefined;
  readonly 'ca-file': string | undefined;
  readonly account: string | undefined;
}

export interface TargetOverrides {
  readonly s3Endpoint?: string | undefined;
  readonly sqsEndpoint?: string | undefined;
  readonly queueUrl?: string | undefined;
}

export async function resolveAwsTarget(
  values: AwsTargetValues,
  config: Readonly<CamlinkConfig>,
  env: NodeJS.ProcessEnv,
  overrides: TargetOverrides = {},
): Promise<AwsTarget> {
  for (const [flag, url] of [
    ['--endpoint', values.endpoint],
    ['--s3-endpoint', overrides.s3Endpoint],
    ['--sqs-endpoint', overrides.sqsEndpoint],
    ['--queue-url', overrides.queueUrl],
  ] as const) {
    if (url !== undefined && !/^https?:\/\/[^/\s]+/.test(url)) {
      throw new CamlinkError('CLI_USAGE', `${flag} must be an http(s) URL (got "${url}")`);
    }
  }
  if (values.region !== undefined && !REGION_PATTERN.test(values.region)) {
    throw new CamlinkError('CLI_USAGE', `--region "${values.region}" is not an AWS region name`);
  }
  if (values.account !== undefined && !ACCOUNT_PATTERN.test(values.account)) {
    throw new CamlinkError('CLI_USAGE', `--account must be 12 digits (got "${values.account}")`);
  }
  const caFile = values['ca-file'];
  const extraCa =
    caFile === undefined ? undefined : await readInputFile(caFile, CA_FILE_MAX_BYTES, 'CA file');
  const endpointsPath =
    values.endpoints ?? (values.embedded === true ? join(config.dataDir, 'endpoints.json') : undefined);
  if (endpointsPath !== undefined) {
    const e = await readEndpoints(endpointsPath);
    const region = values.region ?? e.region;
    return {
      kind: 'embedded',
      region,
      partition: values.region === undefined ? e.partition : partitionOf(region),
      account: values.account ?? e.accountId,
      iotEndpoint: values.endpoint ?? e.iot,
      s3Endpoint: overrides.s3Endpoint ?? e.s3,
      sqsEndpoint: overrides.sqsEndpoint ?? e.sqs,
      uploadQueueUrl: overrides.queueUrl ?? e.uploadQueueUrl,
      credentials:
        values.profile === undefined
          ? { accessKeyId: e.credentials.accessKeyId, secretAccessKey: e.credentials.secretAccessKey }
          : undefined,
      profile: values.profile,
      ca: extraCa ?? (await readInputFile(e.caPath, CA_FILE_MAX_BYTES, 'the platform CA')),
    };
  }
  const aws = config.backend.aws;
  const region = values.region ?? aws?.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined) {
    throw new CamlinkError(
      'CLI_USAGE',
      'no AWS region: pass --region (or set AWS_REGION, or backend.aws.region), or --embedded',
    );
  }
  if (!REGION_PATTERN.test(region)) {
    throw new CamlinkError('CLI_USAGE', `"${region}" is not an AWS region name`);
  }
  return {
    kind: 'aws',
    region,
    partition: partitionOf(region),
    account: values.account,
    iotEndpoint: values.endpoint ?? aws?.iotEndpoint,
    s3Endpoint: overrides.s3Endpoint ?? aws?.s3Endpoint,
    sqsEndpoint: overrides.sqsEndpoint ?? aws?.sqsEndpoint,
    uploadQueueUrl: overrides.queueUrl ?? aws?.uploadQueueUrl,
    credentials: undefined,
    profile: values.profile ?? aws?.profile,
    ca: extraCa,
  };
}
