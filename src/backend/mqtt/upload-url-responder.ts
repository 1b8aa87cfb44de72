/**
 * Answers cameras' upload-URL requests over MQTT (src/contracts/upload-url.ts). The endpoint's device
 * policy already guarantees that only device X publishes on camlink/devices/X/..., so the topic is the
 * authenticated device id. The device must be registered with the backend; the upload belongs to the
 * device's current owner (none when unpaired). Every request gets exactly one answer.
 */
import { topics, topicFilters } from '../../contracts/topics.js';
import type { UploadUrlAccepted, UploadUrlRejected } from '../../contracts/upload-url.js';
import { CamlinkError, isCamlinkError } from '../../errors/camlink-error.js';
import type { Logger } from '../../log/logger.js';
import type { ObjectStore } from '../cloud/types.js';
import type { BackendStore } from '../store/types.js';
import type { IssuedUpload, IssueUploadInput } from '../uploads/issue.js';
import type { MqttSession } from './session.js';
import { decodeUploadUrlRequest } from './upload-url-payload.js';

export type IssueUpload = (input: IssueUploadInput) => Promise<IssuedUpload>;

export interface UploadUrlResponderDeps {
  readonly session: MqttSession;
  readonly store: BackendStore;
  readonly objects: ObjectStore;
  readonly issue: IssueUpload;
  readonly logger: Logger;
  /** Requests handled at once; more wait (the broker's in-flight window pushes back on devices). */
  readonly concurrency?: number;
}

export interface UploadUrlResponder {
  /** Resolves when every request received so far has been answered. */
  idle(): Promise<void>;
  readonly stats: { accepted: number; rejected: number };
}

const DEVICE_TOPIC = /^camlink\/devices\/([^/]+)\/upload-url\/request$/;

export async function startUploadUrlResponder(deps: UploadUrlResponderDeps): Promise<UploadUrlResponder> {
  const limit = deps.concurrency ?? 8;
  let running = 0;
  const waiting: (() => void)[] = [];
  const inFlight = new Set<Promise<void>>();
  const stats = { accepted: 0, rejected: 0 };

  const answer = async (deviceId: string, payload: Buffer): Promise<void> => {
    const outcome = await decide(deviceId, payload);
    if ('uploadId' in outcome) {
      stats.accepted++;
      await deps.session.publish(topics.uploadUrlAccepted(deviceId), JSON.stringify(outcome));
    } else {
      stats.rejected++;
      deps.logger.info({ deviceId, code: outcome.code }, 'upload-url request rejected');
      await deps.session.publish(topics.uploadUrlRejected(deviceId), JSON.stringify(outcome));
    }
  };

  const decide = async (
    deviceId: string,
    payload: Buffer,
  ): Promise<UploadUrlAccepted | UploadUrlRejected> => {
    const decoded = decodeUploadUrlRequest(payload);
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
    const run = async () => {
      if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      running++;
      try {
        await answer(deviceId, payload);
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

  return {
    stats,
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
