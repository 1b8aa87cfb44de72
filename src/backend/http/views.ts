/** Store rows as the API shows them: ISO-8601 times, no hashes, no undefined keys. */
import type { Device, Upload, UploadStatus, User } from '../store/types.js';

export interface UserView {
  id: string;
  name: string;
  createdAt: string;
}

export interface DeviceView {
  deviceId: string;
  certificateId: string | null;
  createdAt: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function userView(user: User): UserView {
  return { id: user.id, name: user.name, createdAt: iso(user.createdAt) };
}

export function deviceView(device: Device): DeviceView {
  return {
    deviceId: device.deviceId,
    certificateId: device.certificateId ?? null,
    createdAt: iso(device.createdAt),
  };
}

export interface UploadView {
  uploadId: string;
  deviceId: string;
  status: UploadStatus;
  contentType: string;
  /** Verified size and hex SHA-256 once done; null before. */
  size: number | null;
  sha256: string | null;
  createdAt: string;
  /** When the pre-signed PUT stops working. */
  expiresAt: string;
  /** When it was marked done (or rejected). */
  completedAt: string | null;
  capturedAt: string | null;
  rejectedReason: string | null;
  /** The object's address without a signature. */
  url: string;
  /** A short-lived pre-signed GET, for done uploads only. */
  get?: { url: string; expiresAt: string };
  /** A pre-signed GET of its JPEG thumbnail (done pictures, thumbnails enabled; may be missing). */
  thumbnail?: { url: string; expiresAt: string };
}

const isoOrNull = (ms: number | undefined) => (ms === undefined ? null : iso(ms));

export function uploadView(
  upload: Upload,
  url: string,
  get: { url: string; expiresAt: Date } | undefined,
  thumbnail?: { url: string; expiresAt: Date },
): UploadView {
  return {
    uploadId: upload.uploadId,
    deviceId: upload.deviceId,
    status: upload.status,
    contentType: upload.contentType,
    size: upload.size ?? null,
    sha256: upload.sha256 ?? null,
    createdAt: iso(upload.createdAt),
    expiresAt: iso(upload.expiresAt),
    completedAt: isoOrNull(upload.completedAt),
    capturedAt: isoOrNull(upload.capturedAt),
    rejectedReason: upload.rejectedReason ?? null,
    url,
    ...(get === undefined ? {} : { get: { url: get.url, expiresAt: get.expiresAt.toISOString() } }),
    ...(thumbnail === undefined
      ? {}
      : { thumbnail: { url: thumbnail.url, expiresAt: thumbnail.expiresAt.toISOString() } }),
  };
}
