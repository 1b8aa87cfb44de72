/**
 * One direct upload as the phone app drives it (docs/architecture.md, flow step 4): pick or capture a
 * picture on the camera, ask the backend for a pre-signed PUT sized for it, hand it to the camera over
 * PTP/IP, follow the camera's progress events, and wait on the user's event stream until the backend
 * has reconciled the object. The times of each hop are returned (what bench/direct-upload.ts reports).
 */
import { performance } from 'node:perf_hooks';
import { CamlinkError } from '../errors/camlink-error.js';
import type { BackendClient, BackendEvent, IssuedUpload, UploadView } from './backend-client.js';
import type { CameraLink, UploadProgress } from './camera-link.js';

/** PTP ObjectFormat -> content type the backend allows. */
const CONTENT_TYPES: Readonly<Record<number, string>> = { 0x3801: 'image/jpeg', 0x380b: 'image/png' };

export interface AppUploadOptions {
  /** Upload this object; default: capture a new one. */
  readonly handle?: number;
  /** Overrides the content type derived from the object's PTP format. */
  readonly contentType?: string;
  /** Limit for the whole flow (capture to reconciled). */
  readonly timeoutMs?: number;
  readonly onStep?: (line: string) => void;
  readonly onProgress?: (progress: UploadProgress) => void;
}

export interface AppUploadResult {
  readonly handle: number;
  readonly target: IssuedUpload;
  readonly upload: UploadView;
  readonly event: BackendEvent;
  /** Milliseconds: hand-off (SetUploadTarget) -> camera's UploadComplete, and -> reconciled event. */
  readonly putMs: number;
  readonly reconciledMs: number;
}

export async function uploadThroughCamera(
  app: BackendClient,
  camera: CameraLink,
  options: AppUploadOptions = {},
): Promise<AppUploadResult> {
  const step = options.onStep ?? (() => undefined);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new CamlinkError('UPSTREAM_FAILED', `the upload did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
  });
  expired.catch(() => undefined);

  // The event stream is open before anything is uploaded, so the completion cannot be missed.
  const completions = new Map<string, BackendEvent>();
  const waiters = new Map<string, (event: BackendEvent) => void>();
  let streamError: unknown;
  await Promise.race([
    new Promise<void>((opened, failed) => {
      app
        .watch(
          (event) => {
            const id = event.type === 'upload.completed' ? event.data['uploadId'] : undefined;
            if (typeof id !== 'string') return;
            const waiter = waiters.get(id);
            if (waiter) waiter(event);
            else completions.set(id, event);
          },
          abort.signal,
          opened,
        )
        .catch((err: unknown) => {
          streamError = err;
          failed(err instanceof Error ? err : new Error(String(err)));
        });
    }),
    expired,
  ]);
  try {
    const handle = options.handle ?? (await Promise.race([camera.capture(), expired]));
    const info = await camera.objectInfo(handle);
    const contentType = options.contentType ?? CONTENT_TYPES[info.objectFormat];
    if (contentType === undefined) {
      throw new CamlinkError(
        'CLI_USAGE',
        `object ${handle} (${info.filename}) has PTP format 0x${info.objectFormat.toString(16)}: give its content type`,
      );
    }
    step(`object ${handle}: ${info.filename}, ${info.objectCompressedSize} bytes, ${contentType}`);
    const target = await app.issueUpload(camera.deviceId, { contentType, size: info.objectCompressedSize });
    step(`pre-signed PUT for ${target.key}, expires ${target.put.expiresAt}; handing it to the camera`);

    const reconciled = new Promise<BackendEvent>((resolve) => {
      const early = completions.get(target.uploadId);
      if (early) resolve(early);
      else waiters.set(target.uploadId, resolve);
    });
    const start = performance.now();
    await Promise.race([camera.upload(handle, target, options.onProgress), expired]);
    const putMs = performance.now() - start;
    step(`camera uploaded and announced ${target.uploadId} (${Math.round(putMs)} ms after the hand-off)`);
    const event = await Promise.race([reconciled, expired]).catch(async (err: unknown) => {
      throw await explain(app, target.uploadId, err, streamError);
    });
    const reconciledMs = performance.now() - start;
    const { upload } = await app.getUpload(target.uploadId);
    if (upload.status !== 'done') {
      throw new CamlinkError('UPSTREAM_FAILED', `upload ${target.uploadId} is ${upload.status}, not done`);
    }
    return { handle, target, upload, event, putMs, reconciledMs };
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/** After a timeout, say what the backend knows about the upload. */
async function explain(
  app: BackendClient,
  uploadId: string,
  err: unknown,
  streamError: unknown,
): Promise<unknown> {
  const status = await app.getUpload(uploadId).then(
    ({ upload }) => upload.status,
    () => 'unknown',
  );
  const why = streamError instanceof Error ? ` (the event stream failed: ${streamError.message})` : '';
  return new CamlinkError(
    'UPSTREAM_FAILED',
    `no completion event for ${uploadId}; the backend has it as ${status}${why}`,
    {
      cause: err,
    },
  );
}
