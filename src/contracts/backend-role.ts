/**
 * The backend's AWS role (backend-role-policy.json): exactly the AWS calls src/backend/cloud/*.ts makes,
 * rendered by the CDK app (infra/lib/backend-access.ts) and meant for the embedded platform to enforce
 * the same way it enforces the camera role (src/auth/role-policy.ts).
 * - S3: GetObject (GET and HEAD, presigned GETs), PutObject (thumbnails, presigned PUTs) and
 *   DeleteObject under devices/ of the media bucket. s3:ListBucket on the bucket is there because the
 *   backend treats a missing object as "not uploaded yet": without it S3 answers HEAD/GET of a missing
 *   key with 403 instead of 404.
 * - SQS: consume the upload queue (DeleteMessageBatch is authorized as sqs:DeleteMessage) and re-send
 *   a notification that the backend's own failures (not the message's) brought to its last receive
 *   (SendMessage); GetQueueAttributes on camlink-uploads* reads the queue's RedrivePolicy and counts
 *   its dead-letter queue, camlink-uploads-dlq (one statement: the policy must stay under 2,048
 *   characters). Redrive (StartMessageMoveTask) is the operator's, not the backend's.
 * - IoT control plane: create things and certificates from CSRs, attach the device policy, list and
 *   revoke a device's certificates. CreateCertificateFromCsr takes no resource-level permission ('*').
 * - KVS (statement CameraVideoStreams): in the video region, which may differ from the stack's (KVS is
 *   in cn-north-1 only in China); left out when video is off.
 * MQTT is not here: the backend connects with its own certificate under backend-policy.json.
 */
import { readFileSync } from 'node:fs';
import { renderPolicyTemplate, type ArnScope } from '../iot/policy/arn.js';
import { parsePolicyDocument, type PolicyDocument } from '../iot/policy/document.js';
import { DEVICE_POLICY_NAME } from './device-policy.js';
import { UPLOAD_QUEUE_NAME } from './upload-queue.js';

export const BACKEND_ROLE_POLICY_NAME = 'camlink-backend';

/** The key prefix the backend issues uploads and thumbnails under (devices/<deviceId>/...). */
export const BACKEND_MEDIA_KEY_PATTERN = 'devices/*';

/** The statement that is dropped when video is off. */
export const BACKEND_VIDEO_STATEMENT = 'CameraVideoStreams';

/** The services the backend role's permission policy may name. */
export const BACKEND_ROLE_SERVICES = ['s3', 'sqs', 'iot', 'kinesisvideo'] as const;

export const backendRolePolicyTemplate: string = readFileSync(
  new URL('./backend-role-policy.json', import.meta.url),
  'utf8',
);

export interface BackendRoleTargets {
  /** The media bucket's (physical) name. */
  readonly mediaBucket: string;
  /** The region of the camera video streams; undefined: video is off (no KVS permission). */
  readonly videoRegion: string | undefined;
}

/** The backend role's permission policy for this partition/region/account, bucket and video region. */
export function backendRolePolicy(scope: ArnScope, targets: BackendRoleTargets): PolicyDocument {
  const text = renderPolicyTemplate(backendRolePolicyTemplate, scope)
    .replaceAll('{{mediaBucket}}', targets.mediaBucket)
    .replaceAll('{{uploadQueue}}', UPLOAD_QUEUE_NAME)
    .replaceAll('{{devicePolicy}}', DEVICE_POLICY_NAME)
    .replaceAll('{{videoRegion}}', targets.videoRegion ?? scope.region);
  const document = parsePolicyDocument(BACKEND_ROLE_POLICY_NAME, text, BACKEND_ROLE_SERVICES);
  if (targets.videoRegion !== undefined) return document;
  return { ...document, statements: document.statements.filter((s) => s.Sid !== BACKEND_VIDEO_STATEMENT) };
}
