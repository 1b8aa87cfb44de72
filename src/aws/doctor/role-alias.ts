/**
 * (e) The camera role alias of the IoT credentials provider exists (DescribeRoleAlias) and points to
 * the camera role of the alias's own partition and account.
 */
import { DescribeRoleAliasCommand, type IoTClient } from '@aws-sdk/client-iot';
import { CAMERA_ROLE_ALIAS, cameraRoleArn } from '../../contracts/camera-role.js';
import type { Partition } from '../target.js';
import { hasErrorName } from '../service-error.js';
import { errorResult, result, type CheckResult } from './check.js';
import { accountOfArn } from './device-policy.js';

export const ROLE_ALIAS_CHECK = 'role-alias';

export async function checkRoleAlias(
  iot: IoTClient,
  scope: { partition: Partition; account: string | undefined },
): Promise<CheckResult> {
  let answer;
  try {
    answer = await iot.send(new DescribeRoleAliasCommand({ roleAlias: CAMERA_ROLE_ALIAS }));
  } catch (err) {
    if (hasErrorName(err, 'ResourceNotFoundException')) {
      return result(ROLE_ALIAS_CHECK, 'MISSING', `no role alias ${CAMERA_ROLE_ALIAS}`);
    }
    return errorResult(ROLE_ALIAS_CHECK, 'DescribeRoleAlias', err);
  }
  const d = answer.roleAliasDescription;
  const account = scope.account ?? accountOfArn(d?.roleAliasArn);
  const roleArn = d?.roleArn ?? '';
  if (account !== undefined && roleArn !== cameraRoleArn(scope.partition, account)) {
    return result(
      ROLE_ALIAS_CHECK,
      'DIFFERENT',
      `${CAMERA_ROLE_ALIAS} -> ${roleArn}, not ${cameraRoleArn(scope.partition, account)}`,
    );
  }
  return result(
    ROLE_ALIAS_CHECK,
    'OK',
    `${CAMERA_ROLE_ALIAS} -> ${roleArn} (${d?.credentialDurationSeconds ?? '?'} s)`,
  );
}
