/**
 * How the platform's AWS IoT parts assume IAM roles when config iam.enabled: the credentials provider
 * (service principal credentials.iot.amazonaws.com) for a role alias's role, JITP (iot.amazonaws.com)
 * for a CA's provisioning role. A role IAM holds must trust that service with the calling resource as
 * aws:SourceArn and the account as aws:SourceAccount. A role IAM does not hold is refused in a fresh
 * cloud account; otherwise it is one of the platform's built-in roles and is taken as before.
 */
import type { ArnScope } from '../iot/policy/arn.js';
import { roleTrusts, type RoleDirectory } from '../iam/role-directory.js';

export const IOT_SERVICE_PRINCIPAL = 'iot.amazonaws.com';
export const CREDENTIALS_PROVIDER_PRINCIPAL = 'credentials.iot.amazonaws.com';

function check(
  directory: RoleDirectory,
  scope: ArnScope,
  fresh: boolean,
  service: string,
  roleArn: string,
  sourceArn: string,
): { refusal: string | undefined; maxSessionDuration?: number } {
  const role = directory.role(roleArn);
  if (role === undefined) return { refusal: fresh ? `role ${roleArn} does not exist` : undefined };
  const trusted = roleTrusts(
    role,
    { kind: 'service', service },
    { 'aws:SourceAccount': scope.account, 'aws:SourceArn': sourceArn },
  );
  return trusted
    ? { refusal: undefined, maxSessionDuration: role.maxSessionDuration }
    : { refusal: `role ${roleArn} does not trust ${service}` };
}

export function credentialsRoleCheck(
  directory: RoleDirectory,
  scope: ArnScope,
  _region: string,
  fresh: boolean,
) {
  return (roleArn: string, roleAliasArn: string, durationSeconds: number): string | undefined => {
    const { refusal, maxSessionDuration } = check(
      directory,
      scope,
      fresh,
      CREDENTIALS_PROVIDER_PRINCIPAL,
      roleArn,
      roleAliasArn,
    );
    if (refusal !== undefined) return refusal;
    if (maxSessionDuration !== undefined && durationSeconds > maxSessionDuration) {
      return `the role alias asks ${durationSeconds} s, over the role's MaxSessionDuration ${maxSessionDuration} s`;
    }
    return undefined;
  };
}

export function jitpRoleCheck(directory: RoleDirectory, scope: ArnScope, _region: string, fresh: boolean) {
  return (roleArn: string, caCertificateArn: string): string | undefined =>
    check(directory, scope, fresh, IOT_SERVICE_PRINCIPAL, roleArn, caCertificateArn).refusal;
}
