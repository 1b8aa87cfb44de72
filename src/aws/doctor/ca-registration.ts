/**
 * (b) The operator CA of the data dir is registered, ACTIVE, with auto-registration enabled and a
 * registration config holding the repository's JITP template (compared as JSON) and a JITP role: the
 * one given (--jitp-role-arn), else any (DescribeCACertificate). The certificate mode is reported.
 */
import { isDeepStrictEqual } from 'node:util';
import { DescribeCACertificateCommand, type IoTClient } from '@aws-sdk/client-iot';
import { JITP_TEMPLATE } from '../../contracts/jitp-template.js';
import type { OperatorCa } from '../operator-ca.js';
import { hasErrorName } from '../service-error.js';
import { errorResult, result, type CheckResult } from './check.js';

export const CA_CHECK = 'ca-registration';

export async function checkCaRegistration(
  iot: IoTClient,
  ca: OperatorCa | undefined,
  jitpRoleArn?: string,
): Promise<CheckResult> {
  if (ca === undefined)
    return result(CA_CHECK, 'MISSING', 'no operator CA in the data dir (camlink ca init)');
  let answer;
  try {
    answer = await iot.send(new DescribeCACertificateCommand({ certificateId: ca.certificateId }));
  } catch (err) {
    if (hasErrorName(err, 'ResourceNotFoundException')) {
      return result(
        CA_CHECK,
        'MISSING',
        `CA ${ca.certificateId} is not registered (camlink aws register-ca)`,
      );
    }
    return errorResult(CA_CHECK, 'DescribeCACertificate', err);
  }
  const d = answer.certificateDescription;
  const problems: string[] = [];
  if (d?.status !== 'ACTIVE') problems.push(`status ${d?.status ?? 'unknown'}, not ACTIVE`);
  if (d?.autoRegistrationStatus !== 'ENABLE') problems.push('auto-registration is not enabled');
  const body = answer.registrationConfig?.templateBody;
  if (body === undefined) problems.push('no JITP template');
  else if (!isDeepStrictEqual(parseJson(body), JITP_TEMPLATE)) problems.push('the JITP template differs');
  const role = answer.registrationConfig?.roleArn;
  if (role === undefined || role === '') problems.push('no JITP role in the registration config');
  else if (jitpRoleArn !== undefined && role !== jitpRoleArn) {
    problems.push(`the JITP role is ${role}, not ${jitpRoleArn}`);
  }
  const what = `CA ${ca.certificateId.slice(0, 12)}… (${d?.certificateMode ?? 'unknown'} mode)`;
  if (problems.length > 0) return result(CA_CHECK, 'DIFFERENT', `${what}: ${problems.join('; ')}`);
  return result(
    CA_CHECK,
    'OK',
    `${what} ACTIVE, auto-registration with the JITP template, role ${role ?? '?'}`,
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
