/**
 * Answers cameras' upload-URL requests over MQTT (src/contracts/upload-url.ts). The endpoint's device
 * policy already guarantees that only device X publishes on camlink/devices/X/..., so the topic is the
 * authenticated device id. The device must be registered with the backend; the upload belongs to the
 * device's current owner (none when unpaired). Every request gets exactly one answer, and one upload:
 * a camera republishes a request it has no answer for (same clientToken, src/device/upload-url-request.ts);
 * a repeat that arrives while the first is handled waits for its answer, a later one gets the same answer
 * again (recent-requests.ts), and the same token with another request is refused (CONFLICT).
 */
import { topics, topicFilters } from '../../contracts/topics.js';
import type { UploadUrlRequest } from '../../contracts/upload-url.js';
import { CamlinkError, isCamlinkError } from '../../errors/camlink-error.js';
import type { Logger } from '../../log/logger.js';
import type { ObjectStore } from '../cloud/types.js';
import type { BackendStore } from '../store/types.js';
import { systemClock, type Clock } from '../../util/clock.js';
import {
  DEFAULT_RECENT_REQUESTS,
  RecentRequests,
  type RecentRequest,
  type UploadUrlOutcome,
} from './recent-requests.js';
import type { IssuedUpload, IssueUploadInput } from '../uploads/issue.js';
import type { MqttSession } from './session.js';
import { decodeUploadUrlRequest, type DecodedUploadUrlRequest } from './upload-url-payload.js';

export type IssueUpload = (input: IssueUploadInput) => Promise<IssuedUpload>;

export interface UploadUrlResponderDeps {
  readonly session: Pick<MqttSession, 'publish' | 'subscribe'>;
  readonly store: Pick<BackendStore, 'findDevice' | 'findDeviceOwner'>;
  readonly objects: Pick<ObjectStore, 'objectUrl'>;
  readonly issue: IssueUpload;
  readonly logger: Logger;
  /** Requests handled at once; more wait (the broker's in-flight window pushes back on devices). */
  readonly concurrency?: number;
  /** How long a request's answer is kept for its repeats (default 60 s; keep it under the PUT URL TTL). */
  readonly replayTtlMs?: number;
  readonly clock?: Clock;
}

export interface UploadUrlResponder {
  /** Resolves when every request received so far has been answered. */
  idle(): Promise<void>;
  readonly stats: {
    accepted: number;
    rejected: number;
    /** Repeats answered again with the answer of their first publish (no second upload). */
    replayed: number;
    /** Repeats that arrived while their first publish was being handled (answered once, by it). */
    coalesced: number;
  };
}

const DEVICE_TOPIC = /^camlink\/devices\/([^/]+)\/upload-url\/request$/;

export async function startUploadUrlResponder(deps: UploadUrlResponderDeps): Promise<UploadUrlResponder> {
  const limit = deps.concurrency ?? 8;
  let running = 0;
  const waiting: (() => void)[] = [];
  const inFlight = new Set<Promise<void>>();
  const stats = { accepted: 0, rejected: 0, replayed: 0, coalesced: 0 };
  const clock = deps.clock ?? systemClock;
  const replayTtlMs = deps.replayTtlMs ?? DEFAULT_RECENT_REQUESTS.ttlMs;
  const recent = new RecentRequests({
    ...DEFAULT_RECENT_REQUESTS,
    ttlMs: replayTtlMs,
    now: () => clock.now().getTime(),
  });

  const send = (deviceId: string, outcome: UploadUrlOutcome): Promise<void> =>
    'uploadId' in outcome
      ? deps.session.publish(topics.uploadUrlAccepted(deviceId), JSON.stringify(outcome))
      : deps.session.publish(topics.uploadUrlRejected(deviceId), JSON.stringify(outcome));

  const answer = async (
    deviceId: string,
    decoded: DecodedUploadUrlRequest,
    seen: RecentRequest | undefined,
  ): Promise<void> => {
    const outcome = await decide(deviceId, decoded);
    // Kept before the publish: a repeat after a failed publish gets this answer, not a second upload.
    if (seen !== undefined) seen.outcome = outcome;
    if ('uploadId' in outcome) {
      stats.accepted++;
    } else {
      stats.rejected++;
      deps.logger.info({ deviceId, code: outcome.code }, 'upload-url request rejected');
    }
    await send(deviceId, outcome);
  };

  /** A repeat of a recent request is answered from memory; returns false for a new request. */
  const repeat = (deviceId: string, request: UploadUrlRequest, canonical: string): boolean => {
    const { clientToken } = request;
    const seen = recent.get(deviceId, clientToken);
    if (seen === undefined) return false;
    let outcome = seen.outcome;
    if (seen.payload !== canonical) {
      outcome = {
        clientToken,
        code: 'CONFLICT',
        message:
          `clientToken ${clientToken} was used for another upload-URL request of this device within ` +
          `the last ${Math.round(replayTtlMs / 1000)} s; send a fresh token with each new request`,
      };
    } else if (outcome === undefined) {
      stats.coalesced++;
      return true;
    } else {
      stats.replayed++;
      deps.logger.debug({ deviceId, clientToken }, 'upload-url request repeated: answered again');
    }
    send(deviceId, outcome).catch((err: unknown) =>
      deps.logger.error({ err, deviceId }, 'could not answer an upload-url request'),
    );
    return true;
  };

  const decide = async (deviceId: string, decoded: DecodedUploadUrlRequest): Promise<UploadUrlOutcome> => {
    if (!decoded.ok) {
      const { clientToken, error } = decoded;
      return { ...(clientToken ? { clientToken } : {}), code: error.code, message: error.message };
    }
    const { request } = decoded;
    const clientToken = request.clientToken;
    try {
      if ((await deps.store.findDevice(deviceId)) === undefined) {
        throw new CamlinkError('NOT_FOUND', `device ${deviceId} is not registered with the backend`);
      }
      const owner = await deps.store.findDeviceOwner(deviceId);
      const { upload, put } = await deps.issue({
        deviceId,
        userId: owner?.userId,
        requestedBy: 'device',
        contentType: request.contentType,
        ...(request.size === undefined ? {} : { size: request.size }),
        ...(request.sha256 === undefined ? {} : { sha256: request.sha256 }),
      });
      return {
        clientToken: request.clientToken,
        uploadId: upload.uploadId,
        bucket: upload.bucket,
        key: upload.key,
        url: deps.objects.objectUrl(upload.bucket, upload.key),
        put: { url: put.url, method: 'PUT', headers: put.headers, expiresAt: put.expiresAt.toISOString() },
      };
    } catch (err) {
      if (!isCamlinkError(err)) deps.logger.error({ err, deviceId }, 'upload-url request failed');
      const known = isCamlinkError(err) ? err : new CamlinkError('INTERNAL', 'internal error');
      return { ...(clientToken ? { clientToken } : {}), code: known.code, message: known.message };
    }
  };

  const schedule = (deviceId: string, payload: Buffer) => {
    const decoded = decodeUploadUrlRequest(payload);
    let seen: RecentRequest | undefined;
    if (decoded.ok) {
      // The parsed request in the contract's key order: a repeat re-serialized by other firmware matches.
      const canonical = JSON.stringify(decoded.request);
      if (repeat(deviceId, decoded.request, canonical)) return;
      seen = recent.add(deviceId, decoded.request.clientToken, canonical);
    }
    const run = async () => {
      if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      running++;
      try {
        await answer(deviceId, decoded, seen);
      } catch (err) {
        deps.logger.error({ err, deviceId }, 'could not answer an upload-url request');
      } finally {
        running--;
        waiting.shift()?.();
      }
    };
    const job = run();
    inFlight.add(job);
    void job.finally(() => inFlight.delete(job));
  };

  await deps.session.subscribe(topicFilters.allUploadUrlRequests, (topic, payload) => {
    const deviceId = DEVICE_TOPIC.exec(topic)?.[1];
    if (deviceId !== undefined) schedule(deviceId, payload);
  });
  deps.logger.info({ filter: topicFilters.allUploadUrlRequests }, 'answering upload-URL requests');

  return {
    stats,
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
