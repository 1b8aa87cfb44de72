/**
 * The camera's AWS role, reached through the IoT credentials provider (AWS IoT "Authorizing direct
 * calls to AWS services"): a camera presents its certificate and its thing name to
 * `/role-aliases/camlink-camera/credentials` and gets temporary credentials for this role, whose
 * permissions (camera-role-policy.json) reach only the Kinesis video stream named after the thing and
 * the media bucket's objects under devices/<thing>/ (the keys the backend issues for it).
 * The device policy allows iot:AssumeRoleWithCertificate on this alias. The same files feed the
 * embedded platform and the CDK app; the JSON keeps {{partition}}/{{region}}/{{account}} placeholders.
 */
import { readFileSync } from 'node:fs';
import { renderPolicyTemplate, type ArnScope } from '../iot/policy/arn.js';
import { parsePolicyDocument, type PolicyDocument } from '../iot/policy/document.js';

export const CAMERA_ROLE_ALIAS = 'camlink-camera';
export const CAMERA_ROLE_NAME = 'camlink-camera';
/** How long the credentials live (AWS: 900..43200 s, default 3600). */
export const CAMERA_CREDENTIAL_SECONDS = 3600;

export const cameraRolePolicyTemplate: string = readFileSync(
  new URL('./camera-role-policy.json', import.meta.url),
  'utf8',
);

export function cameraRoleArn(partition: 'aws' | 'aws-cn', account: string): string {
  return `arn:${partition}:iam::${account}:role/${CAMERA_ROLE_NAME}`;
}

/** The video stream of a camera: named after its thing (the role's resource pattern requires it). */
export function cameraStreamName(deviceId: string): string {
  return deviceId;
}

/** The services the camera role's permission policy may name. */
export const CAMERA_ROLE_SERVICES = ['kinesisvideo', 's3'] as const;

/** The camera role's permission policy for this partition/region/account and media bucket. */
export function cameraRolePolicy(scope: ArnScope, mediaBucket: string): PolicyDocument {
  const text = renderPolicyTemplate(cameraRolePolicyTemplate, scope).replaceAll(
    '{{mediaBucket}}',
    mediaBucket,
  );
  return parsePolicyDocument(CAMERA_ROLE_NAME, text, CAMERA_ROLE_SERVICES);
}
