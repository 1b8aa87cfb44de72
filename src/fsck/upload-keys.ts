/**
 * The backend's object keys (src/backend/uploads/issue.ts uploadKey, thumbnails.ts thumbnailKey):
 * `devices/<deviceId>/<uploadId>.<ext>` and its thumbnail `devices/<deviceId>/<uploadId>.thumb.jpg`.
 */
import { UPLOAD_ID_PATTERN } from '../contracts/upload-notification.js';

export type ParsedKey =
  | { readonly kind: 'upload'; readonly deviceId: string; readonly uploadId: string; readonly ext: string }
  | { readonly kind: 'thumbnail'; readonly deviceId: string; readonly uploadId: string }
  | { readonly kind: 'other' };

export const DEVICES_PREFIX = 'devices/';

const KEY = /^devices\/([A-Za-z0-9:_-]{1,128})\/([^/.]+)\.(thumb\.jpg|[A-Za-z0-9]{1,5})$/;

/** What a key under devices/ is; `other` for anything the backend does not write. */
export function parseObjectKey(key: string): ParsedKey {
  const m = KEY.exec(key);
  const [deviceId, uploadId, ext] = [m?.[1], m?.[2], m?.[3]];
  if (deviceId === undefined || uploadId === undefined || ext === undefined) return { kind: 'other' };
  if (!UPLOAD_ID_PATTERN.test(uploadId)) return { kind: 'other' };
  return ext === 'thumb.jpg'
    ? { kind: 'thumbnail', deviceId, uploadId }
    : { kind: 'upload', deviceId, uploadId, ext };
}
