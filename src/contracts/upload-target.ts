/**
 * The upload target the phone app hands to the camera over PTP/IP (vendor operation SetUploadTarget,
 * docs/ptpip.md): the backend's answer to POST /v1/devices/{id}/uploads (or MQTT upload-url/accepted),
 * passed on as UTF-8 JSON. Other keys of that answer (deviceId, clientToken) are allowed and ignored.
 */
import { z } from 'zod';
import { UPLOAD_ID_PATTERN } from './upload-notification.js';

export const UPLOAD_TARGET_MAX_BYTES = 16 * 1024;

export const uploadTargetSchema = z.object({
  uploadId: z.string().regex(UPLOAD_ID_PATTERN),
  bucket: z.string().min(3).max(63),
  key: z.string().min(1).max(1024),
  /** The object's unsigned URL, announced after the PUT. */
  url: z.url({ protocol: /^https?$/ }),
  put: z.object({
    url: z.url({ protocol: /^https?$/ }),
    method: z.literal('PUT').optional(),
    headers: z.record(z.string(), z.string()),
    expiresAt: z.iso.datetime({ offset: true }),
  }),
});

export type UploadTargetPayload = z.infer<typeof uploadTargetSchema>;
