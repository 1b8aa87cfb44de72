/** Runs every readiness check against one target, in a fixed order; each check reports, none throws. */
import type { AwsClients } from '../clients.js';
import type { OperatorCa } from '../operator-ca.js';
import type { AwsTarget } from '../target.js';
import { checkCaRegistration } from './ca-registration.js';
import type { CheckResult } from './check.js';
import { checkDataEndpoint } from './data-endpoint.js';
import { checkDevicePolicy } from './device-policy.js';
import { checkMediaBucketCors, type MediaBucketInput } from './media-bucket.js';
import { checkRoleAlias } from './role-alias.js';
import { checkUploadQueue } from './upload-queue.js';
import { checkUploadRule } from './upload-rule.js';

export interface DoctorInput {
  readonly target: AwsTarget;
  readonly clients: AwsClients;
  readonly ca: OperatorCa | undefined;
  readonly bucket: string;
  /** Where the media is: S3 (default) or Tencent COS (`backend.presigner`, `backend.cos`). */
  readonly presigner?: MediaBucketInput['presigner'];
  readonly cos?: MediaBucketInput['cos'];
  /** The JITP role the CA's registration config must name (`--jitp-role-arn`); else any. */
  readonly jitpRoleArn?: string | undefined;
}

export async function runDoctor(input: DoctorInput): Promise<CheckResult[]> {
  const { target, clients, ca, bucket } = input;
  const scope = { partition: target.partition, region: target.region, account: target.account };
  return Promise.all([
    checkDataEndpoint(clients.iot),
    checkCaRegistration(clients.iot, ca, input.jitpRoleArn),
    checkDevicePolicy(clients.iot, scope),
    checkUploadRule(clients.iot, target.uploadQueueUrl),
    checkRoleAlias(clients.iot, scope),
    checkMediaBucketCors({
      s3: clients.s3,
      bucket,
      presigner: input.presigner ?? 's3',
      cos: input.cos,
      ca: target.ca,
    }),
    checkUploadQueue(clients.sqs, target.uploadQueueUrl),
  ]);
}
