/**
 * Upload reconciliation (docs/architecture.md flow 4): one queued upload notification -> one decision.
 * The notification is a device's claim; the row (created when the upload URL was issued) and the
 * stored object are the evidence. Only a claim that matches both completes the upload, once
 * (store.completeUpload is atomic and idempotent), and only then is upload.completed published.
 *
 * Outcomes: completed | duplicate (done already with the same object: nothing changes, no event) |
 * rejected (will never succeed: the message is dropped, the reason logged) | retry (may succeed later).
 * A retry says whose it is: the message's (its object is not there yet: the message stays on the queue
 * and the dead-letter queue ends the attempts) or the backend's own (its store failed, or the object
 * store is unreachable or answered 5xx: the message is not to blame, and the consumer pauses instead,
 * see breaker.ts). docs/events.md has the full rule table.
 *
 * The checks of the object (examineObject), the completion (completeVerified) and the rejection
 * (rejectPending) are shared with the sweeper (sweeper.ts), which decides pending uploads whose
 * notification never came.
 */
import { hasThumbnail, readBounded } from './thumbnails.js';
import type { Thumbnailer } from './thumbnailer.js';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  queuedUploadNotificationSchema,
  type QueuedUploadNotification,
} from '../../contracts/upload-notification.js';
import type { Logger } from '../../log/logger.js';
import type { Clock } from '../../util/clock.js';
import type { ObjectHead, ObjectStore } from '../cloud/types.js';
import type { EventHub } from '../events/hub.js';
import type { BackendStore, CompleteResult, Upload } from '../store/types.js';

/**
 * How long after its PUT URL expired an upload may still see its object appear. A PUT must start
 * before the URL expires but may take a while to finish; the camera announces only after it finished,
 * so an object missing past this point never comes and the upload is rejected. Past it too, the
 * sweeper decides a pending upload without its notification.
 */
export const MISSING_OBJECT_GRACE_MS = 5 * 60_000;

export type RejectReason =
  /** Not JSON, or not the queued notification schema. */
  | 'malformed'
  | 'unknown-upload'
  /** The upload belongs to another device than the topic's / the client's. */
  | 'foreign-device'
  /** bucket or key differ from the upload's. */
  | 'wrong-object'
  /** Done already with another object, or changed by someone else meanwhile. */
  | 'conflict'
  /** Rejected or deleted already. */
  | 'not-pending'
  /** No object, and its PUT URL expired more than MISSING_OBJECT_GRACE_MS ago. */
  | 'object-missing'
  | 'size-mismatch'
  | 'too-large'
  | 'content-type-mismatch'
  | 'sha256-mismatch';

export type ReconcileOutcome =
  | { readonly kind: 'completed'; readonly uploadId: string; readonly userId: string | undefined }
  | { readonly kind: 'duplicate'; readonly uploadId: string }
  | {
      readonly kind: 'rejected';
      readonly code: 'NOTIFICATION_INVALID' | 'NOTIFICATION_REJECTED';
      readonly reason: RejectReason;
      readonly uploadId: string | undefined;
      /** True when this notification moved the upload to `rejected` (and its object was deleted). */
      readonly uploadRejected: boolean;
    }
  | {
      readonly kind: 'retry';
      readonly uploadId: string | undefined;
      readonly error: Error;
      /** 'message': the notification's own state (its object not there yet); else the failed dependency. */
      readonly cause: RetryCause;
    };

/** The backend's own dependencies a reconciliation can fail on. */
export type Dependency = 'store' | 'objects';
export type RetryCause = 'message' | Dependency;

/** A failure of one of the backend's own dependencies (not of the message): see `guard`. */
export class DependencyFailure extends Error {
  constructor(
    readonly dependency: Dependency,
    readonly failure: Error,
  ) {
    super(failure.message, { cause: failure });
    this.name = 'DependencyFailure';
  }
}

export interface ReconcileDeps {
  readonly store: BackendStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly services: { readonly objects: ObjectStore };
  readonly events: Pick<EventHub, 'publish'>;
  /** Thumbnails of pictures, made after the completion is announced (best effort, thumbnailer.ts). */
  readonly thumbnailer?: Pick<Thumbnailer, 'enqueue' | 'settings'>;
}

export async function reconcile(deps: ReconcileDeps, messageBody: string): Promise<ReconcileOutcome> {
  const parsed = parseNotification(messageBody);
  if (typeof parsed === 'string') {
    deps.logger.warn(
      { code: 'NOTIFICATION_INVALID', reason: 'malformed', bytes: messageBody.length, problem: parsed },
      'upload notification rejected',
    );
    return {
      kind: 'rejected',
      code: 'NOTIFICATION_INVALID',
      reason: 'malformed',
      uploadId: undefined,
      uploadRejected: false,
    };
  }
  const guarded: ReconcileDeps = {
    ...deps,
    store: guard('store', deps.store),
    services: { ...deps.services, objects: guard('objects', deps.services.objects) },
  };
  try {
    return await decide(guarded, parsed);
  } catch (err) {
    // Upstream errors carry neither credentials nor signatures (cloud/upstream.ts).
    if (err instanceof DependencyFailure) return retryLater(deps, parsed, err.failure, err.dependency);
    return retryLater(deps, parsed, err instanceof Error ? err : new Error(String(err)), 'message');
  }
}

function retryLater(
  deps: ReconcileDeps,
  n: QueuedUploadNotification,
  problem: Error | string,
  cause: RetryCause,
): ReconcileOutcome {
  const error = typeof problem === 'string' ? new Error(problem) : problem;
  deps.logger.warn(
    { uploadId: n.uploadId, deviceId: n.deviceId, cause, error: error.message },
    cause === 'message'
      ? 'upload notification not reconciled; it will be retried'
      : `upload notification not reconciled: the backend's ${cause === 'store' ? 'store' : 'object store'} failed; it will be retried`,
  );
  return { kind: 'retry', uploadId: n.uploadId, error, cause };
}

/**
 * The dependency with every failed call marked as the backend's own failure, except an object store
 * refusal (4xx other than 429): that is about the request, as the 404 of a missing object is.
 */
function guard<T extends object>(dependency: Dependency, target: T): T {
  return new Proxy(target, {
    get(object, property) {
      // The target itself as `this` (getters and methods may use private fields).
      const value: unknown = Reflect.get(object, property);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        const result: unknown = Reflect.apply(value, object, args);
        if (!(result instanceof Promise)) return result;
        return result.catch((err: unknown) => {
          const error = err instanceof Error ? err : new Error(String(err));
          throw dependency === 'objects' && isRefusal(error)
            ? error
            : new DependencyFailure(dependency, error);
        });
      };
    },
  });
}

/** An AWS-compatible service answered 4xx (not 429 throttling): a refusal, not an outage. */
export function isRefusal(err: Error): boolean {
  const cause: unknown = err.cause ?? err;
  const meta =
    typeof cause === 'object' && cause !== null && '$metadata' in cause ? cause.$metadata : undefined;
  const status =
    typeof meta === 'object' && meta !== null && 'httpStatusCode' in meta ? meta.httpStatusCode : undefined;
  return typeof status === 'number' && status >= 400 && status < 500 && status !== 429;
}

/** Reads the object's body: a connection that breaks mid-body is the object store's failure. */
async function ownRead<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    throw new DependencyFailure('objects', err instanceof Error ? err : new Error(String(err)));
  }
}

/** The notification, or what is wrong with it (never echoes the body: it is device input). */
export function parseNotification(body: string): QueuedUploadNotification | string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return 'not JSON';
  }
  const result = queuedUploadNotificationSchema.safeParse(json);
  if (result.success) return result.data;
  return result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`)
    .join('; ');
}

async function decide(deps: ReconcileDeps, n: QueuedUploadNotification): Promise<ReconcileOutcome> {
  const reject = (reason: RejectReason, upload?: Upload) => rejected(deps, n, reason, upload, false);
  const upload = await deps.store.findUpload(n.uploadId);
  if (upload === undefined) return reject('unknown-upload');
  // A device announces only its own uploads: the topic's device id (the rule's topic(3), which
  // replaces any deviceId in the payload) and the MQTT client id (the thing name, by policy).
  if (upload.deviceId !== n.deviceId || upload.deviceId !== n.clientId)
    return reject('foreign-device', upload);
  if (upload.bucket !== n.bucket || upload.key !== n.key) return reject('wrong-object', upload);
  if (upload.deletedAt !== undefined || upload.status === 'rejected') return reject('not-pending', upload);
  if (upload.status === 'done') {
    if (upload.size !== n.size || upload.sha256 !== n.sha256) return reject('conflict', upload);
    if (upload.capturedAt === undefined && upload.url !== undefined) {
      // The sweeper completed it without a notification: this late one still tells when the picture
      // was taken (completeUpload records that on a duplicate; nothing else changes, no event).
      await deps.store.completeUpload(upload.uploadId, {
        size: n.size,
        sha256: n.sha256,
        url: upload.url,
        capturedAt: Date.parse(n.capturedAt),
        completedAt: upload.completedAt ?? deps.clock.now().getTime(),
      });
    }
    return { kind: 'duplicate', uploadId: upload.uploadId };
  }

  const now = deps.clock.now().getTime();
  const verdict = await examineObject(deps, upload, {
    size: n.size,
    sha256: n.sha256,
    contentType: n.contentType,
  });
  switch (verdict.kind) {
    case 'missing':
      if (now <= upload.expiresAt + MISSING_OBJECT_GRACE_MS) {
        return retryLater(deps, n, 'the announced object is not in the store (yet)', 'message');
      }
      return refuseUpload(deps, n, upload, 'object-missing');
    case 'vanished':
      return retryLater(deps, n, 'the object vanished between HEAD and GET', 'message');
    case 'mismatch':
      return refuseUpload(deps, n, upload, verdict.reason);
    case 'verified':
      break;
  }
  const { result, userId } = await completeVerified(deps, upload, verdict.object, {
    capturedAt: Date.parse(n.capturedAt),
    by: 'notification',
  });
  switch (result) {
    case 'duplicate':
      return { kind: 'duplicate', uploadId: upload.uploadId };
    case 'conflict':
      return reject('conflict', upload);
    case 'not-found':
      return reject('unknown-upload');
    case 'completed':
      return { kind: 'completed', uploadId: upload.uploadId, userId };
  }
}

/**
 * What is claimed of an upload's object beyond its row: a notification's size, SHA-256 and content
 * type. The sweeper, which has no notification, claims nothing (all undefined): only the row's own
 * limits and the declared SHA-256 apply.
 */
export interface ObjectClaim {
  readonly size: number | undefined;
  readonly sha256: string | undefined;
  readonly contentType: string | undefined;
}

/** Why an object cannot complete its upload (the checks of examineObject, in order). */
export type MismatchReason = 'size-mismatch' | 'too-large' | 'content-type-mismatch' | 'sha256-mismatch';

/** An object that matches its upload (and the claim): what completing the upload records. */
export interface VerifiedObject {
  readonly size: number;
  /** Lower-case hex, from the store's checksum or hashed here. */
  readonly sha256: string;
  /** The picture's bytes when they were read anyway (one GET for a picture to thumbnail). */
  readonly bytes: Buffer | undefined;
}

export type ObjectVerdict =
  | { readonly kind: 'missing' }
  /** HEAD found it but GET did not: decide again later. */
  | { readonly kind: 'vanished' }
  | { readonly kind: 'mismatch'; readonly reason: MismatchReason }
  | { readonly kind: 'verified'; readonly object: VerifiedObject };

/**
 * The evidence: the stored object of a pending upload against its row and the claim, with the same
 * calls on every store (HEAD, or GetObject for a picture to thumbnail; GET to hash an object stored
 * without a checksum, never more than the upload's maxSize). Changes nothing; throws on store errors.
 */
export async function examineObject(
  deps: ReconcileDeps,
  upload: Upload,
  claim: ObjectClaim,
): Promise<ObjectVerdict> {
  const { objects } = deps.services;
  const sizeFits = (size: number) =>
    (claim.size === undefined || size === claim.size) && size <= upload.maxSize;
  // A picture to thumbnail is fetched whole at once (GET with its checksum: one request, not a HEAD
  // and a GET); anything else is checked by HEAD, without moving its bytes.
  const thumbnails = deps.thumbnailer?.settings;
  const picture =
    thumbnails !== undefined &&
    hasThumbnail(upload.contentType, thumbnails) &&
    (claim.size ?? upload.maxSize) <= thumbnails.maxSourceBytes;
  let head: ObjectHead | undefined;
  let bytes: Buffer | undefined;
  if (picture) {
    const fetched = await objects.fetch(upload.bucket, upload.key);
    head = fetched?.head;
    if (fetched !== undefined) {
      if (sizeFits(fetched.head.size)) {
        const body = fetched.body;
        bytes = await ownRead(() => readBounded(body, thumbnails.maxSourceBytes));
      } else fetched.body.destroy();
    }
  } else {
    head = await objects.head(upload.bucket, upload.key);
  }
  if (head === undefined) return { kind: 'missing' };
  const mismatch = (reason: MismatchReason): ObjectVerdict => ({ kind: 'mismatch', reason });
  if (claim.size !== undefined && head.size !== claim.size) return mismatch('size-mismatch');
  if (head.size > upload.maxSize) return mismatch('too-large');
  if (
    head.contentType !== upload.contentType ||
    (claim.contentType !== undefined && claim.contentType !== upload.contentType)
  ) {
    return mismatch('content-type-mismatch');
  }
  let sha256 = head.sha256;
  if (sha256 === undefined && bytes !== undefined) {
    // The PUT carried no x-amz-checksum-sha256, and the bytes are here already.
    sha256 = createHash('sha256').update(bytes).digest('hex');
  } else if (sha256 === undefined) {
    // The PUT carried no x-amz-checksum-sha256: hash the bytes ourselves, never more than allowed.
    const body = await objects.get(upload.bucket, upload.key);
    if (body === undefined) return { kind: 'vanished' };
    const hashed = await ownRead(() => hashBounded(body, upload.maxSize));
    if (hashed === 'too-large') return mismatch('too-large');
    if (hashed.size !== head.size) return mismatch('size-mismatch');
    sha256 = hashed.sha256;
  }
  // The uploader's declared digest binds too (COS does not enforce it on the PUT, S3 does).
  if (claim.sha256 !== undefined && sha256 !== claim.sha256) return mismatch('sha256-mismatch');
  if (upload.declaredSha256 !== undefined && sha256 !== upload.declaredSha256) {
    return mismatch('sha256-mismatch');
  }
  return { kind: 'verified', object: { size: head.size, sha256, bytes } };
}

/**
 * Completes a pending upload with its verified object: one atomic store.completeUpload, and only when
 * that moved the row (result 'completed') the upload.completed event, the log line and the thumbnail.
 * The notification path and the sweeper both end here, so a race between them completes once.
 */
export async function completeVerified(
  deps: ReconcileDeps,
  upload: Upload,
  object: VerifiedObject,
  how: { readonly capturedAt: number | undefined; readonly by: 'notification' | 'sweeper' },
): Promise<{ result: CompleteResult; userId: string | undefined }> {
  const now = deps.clock.now().getTime();
  const { objects } = deps.services;
  // Whom to tell, decided before the row changes: a failure here is still a clean retry.
  const userId = upload.userId ?? (await deps.store.findDeviceOwner(upload.deviceId))?.userId;
  const url = objects.objectUrl(upload.bucket, upload.key);
  const { size, sha256, bytes } = object;
  const result = await deps.store.completeUpload(upload.uploadId, {
    size,
    sha256,
    url,
    capturedAt: how.capturedAt,
    completedAt: now,
  });
  if (result !== 'completed') return { result, userId };
  // An unpaired device's upload goes to the operator's streams only (userId undefined).
  deps.events.publish(userId, 'upload.completed', {
    uploadId: upload.uploadId,
    deviceId: upload.deviceId,
    bucket: upload.bucket,
    key: upload.key,
    url,
    size,
    sha256,
    contentType: upload.contentType,
    capturedAt: how.capturedAt === undefined ? null : new Date(how.capturedAt).toISOString(),
    completedAt: new Date(now).toISOString(),
  });
  deps.logger.info(
    { uploadId: upload.uploadId, deviceId: upload.deviceId, size, by: how.by },
    'upload completed',
  );
  const thumbnails = deps.thumbnailer?.settings;
  if (thumbnails !== undefined && hasThumbnail(upload.contentType, thumbnails)) {
    deps.thumbnailer?.enqueue({
      upload: {
        uploadId: upload.uploadId,
        deviceId: upload.deviceId,
        bucket: upload.bucket,
        key: upload.key,
        contentType: upload.contentType,
      },
      userId,
      ...(bytes === undefined ? {} : { bytes }),
    });
  }
  return { result, userId };
}

/**
 * Rejects a pending upload for good and deletes its object, so unverified bytes are neither served nor
 * kept. Only when this call moved the row from pending (true): a row another replica (or the other
 * path) decided meanwhile keeps its object. A failed DELETE is logged, not retried.
 */
export async function rejectPending(
  deps: ReconcileDeps,
  upload: Upload,
  reason: RejectReason,
): Promise<boolean> {
  const now = deps.clock.now().getTime();
  const changed = await deps.store.rejectUpload(upload.uploadId, reason, now);
  if (changed) {
    try {
      await deps.services.objects.delete(upload.bucket, upload.key);
    } catch (err) {
      deps.logger.error(
        { uploadId: upload.uploadId, bucket: upload.bucket, objectKey: upload.key, error: String(err) },
        'the object of a rejected upload could not be deleted',
      );
    }
  }
  return changed;
}

/** The device's own announcement contradicts the stored object (or the object never came). */
async function refuseUpload(
  deps: ReconcileDeps,
  n: QueuedUploadNotification,
  upload: Upload,
  reason: RejectReason,
): Promise<ReconcileOutcome> {
  const changed = await rejectPending(deps, upload, reason);
  return rejected(deps, n, changed ? reason : 'conflict', upload, changed);
}

function rejected(
  deps: ReconcileDeps,
  n: QueuedUploadNotification,
  reason: RejectReason,
  upload: Upload | undefined,
  uploadRejected: boolean,
): ReconcileOutcome {
  deps.logger.warn(
    {
      code: 'NOTIFICATION_REJECTED',
      reason,
      uploadId: n.uploadId,
      deviceId: n.deviceId,
      clientId: n.clientId,
      uploadDeviceId: upload?.deviceId,
      uploadStatus: upload?.status,
      uploadRejected,
    },
    'upload notification rejected',
  );
  return { kind: 'rejected', code: 'NOTIFICATION_REJECTED', reason, uploadId: n.uploadId, uploadRejected };
}

/** SHA-256 and length of a stream, giving up (and destroying it) past `limit` bytes. */
async function hashBounded(
  body: Readable,
  limit: number,
): Promise<{ sha256: string; size: number } | 'too-large'> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of body) {
      const bytes = chunk as Buffer;
      size += bytes.length;
      if (size > limit) return 'too-large';
      hash.update(bytes);
    }
  } finally {
    body.destroy();
  }
  return { sha256: hash.digest('hex'), size };
}
