/**
 * (c) The device policy exists and its document equals src/contracts/device-policy.json rendered for
 * the target's partition and region and the account (given, or read from the policy's ARN).
 */
import { isDeepStrictEqual } from 'node:util';
import { GetPolicyCommand, type IoTClient } from '@aws-sdk/client-iot';
import { DEVICE_POLICY_NAME, devicePolicyTemplate } from '../../contracts/device-policy.js';
import { renderPolicyTemplate } from '../../iot/policy/arn.js';
import type { Partition } from '../target.js';
import { hasErrorName } from '../service-error.js';
import { errorResult, result, type CheckResult } from './check.js';

export const DEVICE_POLICY_CHECK = 'device-policy';

export async function checkDevicePolicy(
  iot: IoTClient,
  scope: { partition: Partition; region: string; account: string | undefined },
): Promise<CheckResult> {
  let answer;
  try {
    answer = await iot.send(new GetPolicyCommand({ policyName: DEVICE_POLICY_NAME }));
  } catch (err) {
    if (hasErrorName(err, 'ResourceNotFoundException')) {
      return result(DEVICE_POLICY_CHECK, 'MISSING', `no policy ${DEVICE_POLICY_NAME}`);
    }
    return errorResult(DEVICE_POLICY_CHECK, 'GetPolicy', err);
  }
  const account = scope.account ?? accountOfArn(answer.policyArn);
  if (account === undefined) {
    return result(DEVICE_POLICY_CHECK, 'UNCHECKED', 'the account is unknown: pass --account');
  }
  const expected = renderPolicyTemplate(devicePolicyTemplate, { ...scope, account });
  const actual = parseJson(answer.policyDocument ?? '');
  const contract = `${DEVICE_POLICY_NAME} for arn:${scope.partition}:iot:${scope.region}:${account}`;
  if (!isDeepStrictEqual(actual, JSON.parse(expected))) {
    return result(
      DEVICE_POLICY_CHECK,
      'DIFFERENT',
      `${contract}: the document (version ${answer.defaultVersionId ?? '?'}) differs from device-policy.json`,
    );
  }
  return result(DEVICE_POLICY_CHECK, 'OK', `${contract} (version ${answer.defaultVersionId ?? '?'})`);
}

/** arn:PARTITION:iot:REGION:ACCOUNT:policy/NAME -> ACCOUNT. */
export function accountOfArn(arn: string | undefined): string | undefined {
  const account = arn?.split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
