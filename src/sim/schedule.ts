/**
 * The paced upload schedule: `rate` uploads per second spread round-robin over the connected cameras
 * (one upload at a time per camera), for `durationMs`. Every upload is the real flow of a camera online
 * without the app: an upload-URL request over MQTT (request/response topics), the PUT of a small real
 * JPEG to the pre-signed URL, the notification through the agent's durable outbox (QoS 1). The schedule
 * never runs ahead of itself: when `maxInFlight` uploads are under way, due uploads wait, and the
 * achieved rate (not the asked one) is what the sim reports, with how many due uploads never started.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isCamlinkError } from '../errors/camlink-error.js';
import { sampleJpeg } from '../device/sample-images.js';
import type { SimCamera } from './fleet.js';
import type { ReconciliationTracker } from './reconciliation.js';

/** How often the pacer looks at the clock. */
const TICK_MS = 10;

export interface ScheduleOptions {
  readonly cameras: readonly SimCamera[];
  readonly rate: number;
  readonly durationMs: number;
  readonly maxInFlight: number;
  /** Pictures are written here, one per camera. */
  readonly picturesDir: string;
  readonly tracker: ReconciliationTracker;
  readonly signal: AbortSignal;
  /** Called about once a second with the counters so far. */
  readonly onTick?: (counters: UploadCounters, elapsedMs: number) => void;
}

export interface UploadCounters {
  started: number;
  /** The store acknowledged the PUT. */
  acknowledged: number;
  /** Failed before the store acknowledged anything; by error code. */
  failed: number;
  readonly failures: Map<string, number>;
  /** Uploads due by the end of the schedule that never started (no free slot or idle camera). */
  deferred: number;
}

export interface ScheduleResult {
  readonly counters: UploadCounters;
  /** From the first upload to the end of the schedule (in-flight uploads finished). */
  readonly elapsedMs: number;
}

export async function runSchedule(options: ScheduleOptions): Promise<ScheduleResult> {
  await mkdir(options.picturesDir, { recursive: true });
  const counters: UploadCounters = {
    started: 0,
    acknowledged: 0,
    failed: 0,
    failures: new Map(),
    deferred: 0,
  };
  const inFlight = new Set<Promise<void>>();
  const pictures = new Map<string, Promise<Picture>>();
  let cursor = 0;
  const start = performance.now();
  let lastReport = start;

  const pickCamera = (): SimCamera | undefined => {
    const n = options.cameras.length;
    for (let tried = 0; tried < n; tried++) {
      const camera = options.cameras[cursor];
      cursor = (cursor + 1) % n;
      if (camera !== undefined && !camera.busy && camera.agent.connected) return camera;
    }
    return undefined;
  };

  const launch = (camera: SimCamera) => {
    camera.busy = true;
    counters.started++;
    const job = uploadOnce(camera, options, pictures, counters).finally(() => {
      camera.busy = false;
      inFlight.delete(job);
    });
    inFlight.add(job);
  };

  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      const elapsed = now - start;
      if (elapsed >= options.durationMs || options.signal.aborted) {
        const dueByNow = Math.floor((Math.min(elapsed, options.durationMs) / 1000) * options.rate);
        counters.deferred = Math.max(0, dueByNow - counters.started);
        clearInterval(timer);
        resolve();
        return;
      }
      const due = Math.floor((elapsed / 1000) * options.rate) - counters.started;
      for (let i = 0; i < due; i++) {
        const camera = inFlight.size < options.maxInFlight ? pickCamera() : undefined;
        if (camera === undefined) break;
        launch(camera);
      }
      if (now - lastReport >= 1000) {
        lastReport = now;
        options.onTick?.(counters, elapsed);
      }
    }, TICK_MS);
  });
  while (inFlight.size > 0) await Promise.all([...inFlight]);
  return { counters, elapsedMs: performance.now() - start };
}

interface Picture {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

async function uploadOnce(
  camera: SimCamera,
  options: ScheduleOptions,
  pictures: Map<string, Promise<Picture>>,
  counters: UploadCounters,
): Promise<void> {
  const { deviceId } = camera.identity;
  const fail = (err: unknown) => {
    const code = isCamlinkError(err) ? err.code : 'INTERNAL';
    counters.failed++;
    counters.failures.set(code, (counters.failures.get(code) ?? 0) + 1);
  };
  let uploadId: string | undefined;
  try {
    let picture = pictures.get(deviceId);
    if (picture === undefined) {
      picture = writePicture(options.picturesDir, deviceId);
      pictures.set(deviceId, picture);
    }
    const { path, size, sha256 } = await picture;
    const target = await camera.agent.requestUploadUrl({ contentType: 'image/jpeg', size, sha256 });
    uploadId = target.uploadId;
    await camera.agent.uploadAndAnnounce(path, target, { contentType: 'image/jpeg' });
  } catch (err) {
    // Before the PUT, or the PUT's own failures: the store acknowledged nothing. A failure after it
    // (recording the notification) leaves an acknowledged object the backend may never hear of: it is
    // tracked like any other, and counts as lost unless it is reconciled.
    const putFailed = isCamlinkError(err) && PUT_FAILURES.has(err.code);
    if (uploadId === undefined || putFailed) {
      fail(err);
      return;
    }
  }
  counters.acknowledged++;
  options.tracker.expect(uploadId);
}

const PUT_FAILURES: ReadonlySet<string> = new Set(['DEVICE_UPLOAD_FAILED', 'DEVICE_UPLOAD_REFUSED']);

/** One distinct, valid JPEG per camera (its id in a COM segment). */
async function writePicture(dir: string, deviceId: string): Promise<Picture> {
  const bytes = sampleJpeg(`camlink sim ${deviceId}`);
  const path = join(dir, `${deviceId}.jpg`);
  await writeFile(path, bytes);
  return { path, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}
