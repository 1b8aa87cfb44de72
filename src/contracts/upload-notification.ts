/**
 * The upload notification (docs/architecture.md "Contracts"): what a camera publishes on
 * camlink/devices/{deviceId}/uploads after its PUT succeeded, and what the upload rule forwards to the
 * queue with deviceId (from the topic), clientId and receivedAt added. Both sides validate with these
 * schemas; unknown keys are refused so a typo is an error, not a silently missing field.
 */
import { z } from 'zod';
import { THING_NAME_MAX_LENGTH } from './device-id.js';

/** Upload ids are minted by the backend: 1-64 URL-safe characters. */
export const UPLOAD_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const isoTime = z.iso.datetime({ offset: true });

export const uploadNotificationSchema = z.strictObject({
  uploadId: z.string().regex(UPLOAD_ID_PATTERN, 'not an upload id'),
  deviceId: z.string().min(1).max(THING_NAME_MAX_LENGTH),
  bucket: z.string().min(3).max(63),
  key: z.string().min(1).max(1024),
  /** The object's address without any signature (https://host/bucket/key or the virtual-host form). */
  url: z.url({ protocol: /^https?$/ }).max(2048),
  size: z.number().int().min(0),
  /** Lower-case hex SHA-256 of the object's bytes. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
  contentType: z.string().min(3).max(255),
  capturedAt: isoTime,
  uploadedAt: isoTime,
});

export type UploadNotification = z.infer<typeof uploadNotificationSchema>;

/** The queue message the upload rule makes of a notification (SELECT *, topic(3) AS deviceId, ...). */
export const queuedUploadNotificationSchema = uploadNotificationSchema.extend({
  clientId: z.string().min(1).max(THING_NAME_MAX_LENGTH),
  /** Epoch milliseconds when the endpoint received the publish (timestamp()). */
  receivedAt: z.number().int().min(0),
});

export type QueuedUploadNotification = z.infer<typeof queuedUploadNotificationSchema>;

/** Base64 of a lower-case hex SHA-256, as S3 reports x-amz-checksum-sha256. */
export function sha256HexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}
