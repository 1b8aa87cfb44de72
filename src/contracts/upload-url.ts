/**
 * MQTT request/response for upload URLs (docs/architecture.md "Contracts"): a camera that is online
 * without the app publishes a request on camlink/devices/{deviceId}/upload-url/request and the backend
 * answers on .../accepted or .../rejected, echoing the request's clientToken so the camera can match
 * answers to requests (as AWS IoT's own request/response topics do). Payloads are JSON, at most 4 KiB.
 */
import { z } from 'zod';
import { UPLOAD_ID_PATTERN } from './upload-notification.js';

export const UPLOAD_URL_MAX_PAYLOAD_BYTES = 4_096;

/** 1-64 characters the camera chooses; echoed back unchanged. */
const clientToken = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'not a client token (1-64 of A-Z a-z 0-9 _ . : -)');

export const uploadUrlRequestSchema = z.strictObject({
  clientToken,
  contentType: z.string().min(3).max(255),
  /** Exact size in bytes, when known: the URL then only accepts that length. */
  size: z.number().int().min(1).optional(),
  /** Lower-case hex SHA-256 of the bytes, when known: the store then verifies them. */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits')
    .optional(),
});
export type UploadUrlRequest = z.infer<typeof uploadUrlRequestSchema>;

export const uploadUrlAcceptedSchema = z.strictObject({
  clientToken,
  uploadId: z.string().regex(UPLOAD_ID_PATTERN),
  bucket: z.string(),
  key: z.string(),
  /** The object's URL without a signature: what the camera announces after the PUT. */
  url: z.string(),
  put: z.strictObject({
    url: z.string(),
    method: z.literal('PUT'),
    /** Send exactly these headers with the PUT (they are signed). */
    headers: z.record(z.string(), z.string()),
    expiresAt: z.string(),
  }),
});
export type UploadUrlAccepted = z.infer<typeof uploadUrlAcceptedSchema>;

export const uploadUrlRejectedSchema = z.strictObject({
  /** Absent when the request was not JSON or had no valid clientToken. */
  clientToken: clientToken.optional(),
  /**
   * A camlink error code (docs/errors.md); its registry entry says whether to ask again later, e.g.
   * STORAGE_FULL (the backend's disk is full) and STORE_UNAVAILABLE are retryable.
   */
  code: z.string(),
  message: z.string(),
});
export type UploadUrlRejected = z.infer<typeof uploadUrlRejectedSchema>;
