/**
 * Issuing an upload (docs/architecture.md flow 4): check the declared content type and size against
 * backend.uploads, mint the upload id and object key, pre-sign the PUT and record the upload as
 * pending. Used by the HTTP API (the app asks) and, later, by the MQTT responder (the camera asks);
 * callers decide who may ask for which device, this module checks the request itself.
 *
 * The store is made to enforce what was declared: Content-Type always, Content-Length when a size is
 * declared and, with the S3 presigner, x-amz-checksum-sha256 when a digest is declared — all signed, so
 * a PUT with another type, length or other bytes is refused by S3 (or the embedded store) itself.
 */
import { UPLOAD_ID_PATTERN, sha256HexToBase64 } from '../../contracts/upload-notification.js';
import { CamlinkError } from '../../errors/camlink-error.js';
import type { PresignInput } from '../../presign/presigner.js';
import { systemRandom, type RandomBytes } from '../../util/clock.js';
import type { BackendDeps } from '../http/deps.js';
import type { Upload, UploadRequester } from '../store/types.js';

export type IssueDeps = Pick<BackendDeps, 'store' | 'clock' | 'config' | 'services' | 'random'>;

export interface IssueUploadInput {
  readonly deviceId: string;
  /** The device's current owner, or undefined (the operator or the camera itself for an unpaired device). */
  readonly userId: string | undefined;
  readonly requestedBy: UploadRequester;
  readonly contentType: string;
  /** Exact size in bytes the uploader will send; signed as Content-Length. */
  readonly size?: number | undefined;
  /** Hex SHA-256 of the bytes the uploader will send; signed as x-amz-checksum-sha256 (S3 only). */
  readonly sha256?: string | undefined;
}

export interface IssuedUpload {
  readonly upload: Upload;
  readonly put: {
    readonly url: string;
    readonly method: 'PUT';
    /** Send exactly these headers with the PUT (they are signed). */
    readonly headers: Readonly<Record<string, string>>;
    readonly expiresAt: Date;
  };
}

/** File extensions by content type; anything else on the allow-list is stored as .bin. */
const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/heic': 'heic',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
};

export const UPLOAD_ID_PREFIX = 'upl_';
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/**
 * The allow-listed form of a declared content type: type/subtype compared case-insensitively (RFC 9110
 * §8.3.1), surrounding blanks ignored. Parameters (`; charset=...`) are refused, not stripped: the
 * uploader must send exactly the signed value, so what it declared must be what it sends.
 */
export function allowedContentType(declared: string, allowList: readonly string[]): string {
  const normalized = declared.trim().toLowerCase();
  if (normalized.includes(';')) {
    throw new CamlinkError(
      'UPLOAD_CONTENT_TYPE_NOT_ALLOWED',
      `content type parameters are not accepted: declare a bare type/subtype (one of ${allowList.join(', ')})`,
    );
  }
  if (!allowList.includes(normalized)) {
    throw new CamlinkError(
      'UPLOAD_CONTENT_TYPE_NOT_ALLOWED',
      `content type ${JSON.stringify(declared.slice(0, 100))} is not allowed (one of ${allowList.join(', ')})`,
    );
  }
  return normalized;
}

export function extensionFor(contentType: string): string {
  return EXTENSIONS[contentType] ?? 'bin';
}

/** `upl_` + 16 random bytes in base64url: 26 characters, within UPLOAD_ID_PATTERN. */
export function mintUploadId(random: RandomBytes | undefined): string {
  const bytes = Buffer.from((random ?? systemRandom)(16));
  const id = `${UPLOAD_ID_PREFIX}${bytes.toString('base64url')}`;
  if (!UPLOAD_ID_PATTERN.test(id)) throw new CamlinkError('INTERNAL', 'minted upload id is malformed');
  return id;
}

export function uploadKey(deviceId: string, uploadId: string, contentType: string): string {
  return `devices/${deviceId}/${uploadId}.${extensionFor(contentType)}`;
}

export async function issueUpload(deps: IssueDeps, input: IssueUploadInput): Promise<IssuedUpload> {
  const limits = deps.config.backend.uploads;
  const contentType = allowedContentType(input.contentType, limits.contentTypes);
  if (input.size !== undefined) {
    if (!Number.isSafeInteger(input.size) || input.size < 1) {
      throw new CamlinkError('VALIDATION_FAILED', `size must be a positive integer, not ${input.size}`);
    }
    if (input.size > limits.maxBytes) {
      throw new CamlinkError(
        'UPLOAD_TOO_LARGE',
        `size ${input.size} exceeds the limit of ${limits.maxBytes} bytes (backend.uploads.maxBytes)`,
      );
    }
  }
  if (input.sha256 !== undefined && !SHA256_HEX.test(input.sha256)) {
    throw new CamlinkError('VALIDATION_FAILED', 'sha256 must be 64 hex digits');
  }
  if ((await deps.store.findDevice(input.deviceId)) === undefined) {
    throw new CamlinkError('NOT_FOUND', `no device ${input.deviceId}`);
  }
  if (input.userId !== undefined) {
    const owner = await deps.store.findDeviceOwner(input.deviceId);
    if (owner?.userId !== input.userId) throw new CamlinkError('NOT_FOUND', `no device ${input.deviceId}`);
  }

  const uploadId = mintUploadId(deps.random);
  const key = uploadKey(input.deviceId, uploadId, contentType);
  const bucket = limits.bucket;
  // COS checks Content-MD5 only, so a declared digest is signed with S3 alone (docs/uploads.md).
  const signChecksum = input.sha256 !== undefined && deps.config.backend.presigner === 's3';
  const request: PresignInput = {
    method: 'PUT',
    bucket,
    key,
    expiresInSeconds: limits.putUrlTtlSeconds,
    contentType,
    ...(input.size === undefined ? {} : { contentLength: input.size }),
    ...(signChecksum && input.sha256 !== undefined
      ? { checksumSha256: sha256HexToBase64(input.sha256.toLowerCase()) }
      : {}),
  };
  // Signing first: a failure leaves no row behind; the row is stored before anyone sees the URL, with
  // the URL's own expiry, so reconciliation never meets an object it has no record of.
  const signed = await deps.services.presigner.presign(request);
  const upload: Upload = {
    uploadId,
    deviceId: input.deviceId,
    userId: input.userId,
    requestedBy: input.requestedBy,
    bucket,
    key,
    contentType,
    maxSize: input.size ?? limits.maxBytes,
    declaredSha256: input.sha256?.toLowerCase(),
    status: 'pending',
    size: undefined,
    sha256: undefined,
    url: undefined,
    capturedAt: undefined,
    createdAt: deps.clock.now().getTime(),
    expiresAt: signed.expiresAt.getTime(),
    completedAt: undefined,
    rejectedReason: undefined,
    deletedAt: undefined,
  };
  await deps.store.createUpload(upload);
  return {
    upload,
    put: { url: signed.url, method: 'PUT', headers: signed.headers, expiresAt: signed.expiresAt },
  };
}
