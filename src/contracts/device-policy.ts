/**
 * The repository's single device policy (device-policy.json), used by the embedded endpoint and by the
 * CDK app: a device connects only as itself and publishes, subscribes and receives only under
 * camlink/devices/<its thing name>/. The JSON keeps {{partition}}/{{region}}/{{account}} placeholders.
 */
import { readFileSync } from 'node:fs';
import { parsePolicyDocument, type PolicyDocument } from '../iot/policy/document.js';
import { renderPolicyTemplate, type ArnScope } from '../iot/policy/arn.js';

export const DEVICE_POLICY_NAME = 'camlink-device';

export const devicePolicyTemplate: string = readFileSync(
  new URL('./device-policy.json', import.meta.url),
  'utf8',
);

export function devicePolicy(scope: ArnScope): PolicyDocument {
  return parsePolicyDocument(DEVICE_POLICY_NAME, renderPolicyTemplate(devicePolicyTemplate, scope));
}
