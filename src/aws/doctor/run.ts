/** Runs every readiness check against one target, in a fixed order; each check reports, none throws. */
import type { AwsClients } from '../clients.js';
import type { OperatorCa } from '../operator-ca.js';
import type { AwsTarget } from '../target.js';
import { checkBucketCors } from './bucket-cors.js';
import { checkCaRegistration } from './ca-registration.js';
import type { CheckResult } from './check.js';
import { checkDataEndpoint } from './data-endpoint.js';
import { checkDevicePolicy } from './device-policy.js';
import { checkRoleAlias } from './role-alias.js';
import { checkUploadQueue } from './upload-queue.js';
import { checkUploadRule } from './upload-rule.js';

export interface DoctorInput {
  readonly target: AwsTarget;
  readonly clients: AwsClients;
  readonly ca: OperatorCa | undefined;
  readonly bucket: string;
}

export async function runDoctor(input: DoctorInput): Promise<CheckResult[]> {
  const { target, clients, ca, bucket } = input;
  const scope = { partition: target.partition, region: target.region, account: target.account };
  return Promise.all([
    checkDataEndpoint(clients.iot),
    checkCaRegistration(clients.iot, ca),
    checkDevicePolicy(clients.iot, scope),
    checkUploadRule(clients.iot),
    checkRoleAlias(clients.iot, scope),
    checkBucketCors(clients.s3, bucket),
    checkUploadQueue(clients.sqs, target.uploadQueueUrl),
  ]);
}
