/**
 * The backend's own MQTT identity and policy (backend-policy.json), used by the embedded platform and by
 * the CDK app: the backend answers upload-URL requests of every device and publishes user events; it
 * cannot read devices' uploads or status (those reach it through the topic rule and the queue). It
 * follows the lifecycle (presence) events, which is how the dashboard knows which cameras are online.
 * Client ids start with camlink-backend: the backend's connection pool (src/backend/mqtt/pool.ts)
 * connects as camlink-backend, camlink-backend-2, ... under one policy, and shares its subscriptions over
 * them as $share/camlink-backend/... (each message to one connection), which the policy allows too.
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
