/** The backend's REST API (docs/api.md) from the browser: same origin, `Authorization: Bearer`. */

export interface Presence {
  /** unknown: the backend has seen no connect or disconnect of the camera yet. */
  state: 'online' | 'offline' | 'unknown';
  since: string | null;
}

export interface Certificate {
  certificateId: string | null;
  /** ACTIVE, INACTIVE, REVOKED, ...; UNKNOWN when the registry could not be asked. */
  status: string;
  expiresAt: string | null;
}

export interface Device {
  deviceId: string;
  certificateId: string | null;
  createdAt: string;
  /** Absent from backends older than the presence feature. */
  presence?: Presence;
  /** null: no certificate attached; absent from older backends. */
  certificate?: Certificate | null;
}

/** A page of uploads: `next` is the cursor of the following (older) page. */
export interface UploadPage {
  uploads: Upload[];
  next: string | null;
}

/** What POST /v1/devices/{id}/uploads answers: where and how to PUT one object. */
export interface IssuedUpload {
  uploadId: string;
  deviceId: string;
  bucket: string;
  key: string;
  url: string;
  put: { url: string; method: string; headers: Record<string, string>; expiresAt: string };
}

export interface Upload {
  uploadId: string;
  deviceId: string;
  status: 'pending' | 'done' | 'rejected';
  contentType: string;
  size: number | null;
  sha256: string | null;
  createdAt: string;
  completedAt: string | null;
  url: string;
  get?: { url: string; expiresAt: string };
  /** The server-made JPEG thumbnail (may be missing: then the picture itself is shown). */
  thumbnail?: { url: string; expiresAt: string };
}

/** GET /v1/dead-letters (operator): the upload queue's dead-letter count as the backend last read it. */
export interface DeadLetters {
  queue: string | null;
  /** null until a check succeeded. */
  count: number | null;
  checkedAt: string | null;
  error: string | null;
  /** The command that moves them back. */
  redrive: string;
}

export interface Me {
  kind: 'operator' | 'user';
  tokenId: string;
  user?: { id: string; name: string };
}

/** A refused call with the backend's stable error code (docs/errors.md). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Network trouble, 5xx and 429 may pass; auth and request errors do not get better by retrying. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export async function errorOf(res: Response): Promise<ApiError> {
  let code = 'HTTP_' + String(res.status);
  let message = res.statusText || `the backend answered ${res.status}`;
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    /* not JSON: keep the status */
  }
  return new ApiError(res.status, code, message);
}

export async function apiGet<T>(token: string, path: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      cache: 'no-store',
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, 'NETWORK', 'the backend cannot be reached');
  }
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as T;
}

/** POST/DELETE with an optional JSON body; resolves to the JSON answer (undefined for 204). */
export async function apiSend<T>(
  token: string,
  method: 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T | undefined> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      cache: 'no-store',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'the backend cannot be reached');
  }
  if (!res.ok) throw await errorOf(res);
  return res.status === 204 ? undefined : ((await res.json()) as T);
}

export const devicePath = (deviceId: string): string => `/v1/devices/${encodeURIComponent(deviceId)}`;

/** A message for people: the backend's message, or what went wrong in transit. */
export function describe(err: unknown): string {
  if (err instanceof ApiError) return `${err.message} (${err.code})`;
  return err instanceof Error ? err.message : String(err);
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function formatSize(bytes: number | null): string {
  if (bytes === null) return 'size unknown';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
