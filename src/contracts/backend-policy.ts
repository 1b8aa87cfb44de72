/**
 * The backend's own MQTT identity and policy (backend-policy.json), used by the embedded platform and by
 * the CDK app: the backend answers upload-URL requests of every device and publishes user events; it
 * cannot read devices' uploads or status (those reach it through the topic rule and the queue). It
 * follows the lifecycle (presence) events, which is how the dashboard knows which cameras are online.
 * Client ids start with camlink-backend, so replicas connect as camlink-backend-<n> under one policy.
 */
import { readFileSync } from 'node:fs';
import { parsePolicyDocument, type PolicyDocument } from '../iot/policy/document.js';
import { renderPolicyTemplate, type ArnScope } from '../iot/policy/arn.js';

export const BACKEND_POLICY_NAME = 'camlink-backend';
export const BACKEND_THING_NAME = 'camlink-backend';

export const backendPolicyTemplate: string = readFileSync(
  new URL('./backend-policy.json', import.meta.url),
  'utf8',
);

export function backendPolicy(scope: ArnScope): PolicyDocument {
  return parsePolicyDocument(BACKEND_POLICY_NAME, renderPolicyTemplate(backendPolicyTemplate, scope));
}
