/**
 * kill -9 of `camlink up` in the middle of 1,000 uploads, then a restart on the same data dir.
 *
 * The platform runs as a real child process on fixed ports; eight camera agents in the test process
 * upload distinct small payloads (issue through the backend API, PUT, durable outbox, QoS 1 publish).
 * Once 300 notifications were PUBACKed the platform gets SIGKILL, wherever it is: mid-PUT, mid-publish,
 * mid-reconcile. It restarts; the cameras reconnect, retry what failed and drain their outboxes.
 *
 * What the contract promises and this test checks:
 * - every PUT the store acknowledged (2xx) is in the store, whole: its bytes hash to the recorded
 *   SHA-256, and ListObjectsV2 lists exactly those objects (nothing partial, nothing else), with no
 *   temp file left on disk and no unreferenced data file but those the restart's scan reported (a PUT
 *   killed between its data rename and its sidecar: never deleted, left in place while young);
 * - a PUT that failed because of the kill was never acknowledged; the camera retried it with the same
 *   target until it was, so all 1,000 end acknowledged;
 * - every notification the endpoint PUBACKed is reconciled by the backend exactly once: the upload is
 *   done with the announced size and SHA-256, and it was completed once (one "upload completed" across
 *   both processes; a redelivered notification is a logged duplicate, never a second completion).
 */
import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import https from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, S3Client, type _Object } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { UPLOAD_DLQ_NAME } from '../../src/contracts/upload-queue.js';
import { sdkOptions } from '../helpers/aws.js';
import { appWorld } from '../helpers/app-world.js';
import { CameraFleet } from '../helpers/camera-fleet.js';
import {
  startPlatformProcess,
  writePlatformConfig,
  type PlatformProcess,
} from '../helpers/platform-process.js';
import { tempDir } from '../helpers/tmp.js';
import { createHash } from 'node:crypto';

const CAMERAS = 8;
const UPLOADS = 1000;
const KILL_AFTER_PUBACKS = 300;
const BUCKET = 'camlink-media';

// Two platform boots and 1,000 real uploads: ~60 s of CPU; the suite's 180 s default is too tight when
// the machine is shared, so this test states its own bound.
test(
  'kill -9 during 1,000 uploads: acknowledged objects intact, PUBACKed notifications reconciled exactly once',
  { timeout: 480_000 },
  async (t) => {
    const began = Date.now();
    const phases: string[] = [];
    const phase = (name: string) => {
      phases.push(`${name} ${((Date.now() - began) / 1000).toFixed(1)}s`);
      if (process.env.FAULT_TRACE) process.stderr.write(`${phases[phases.length - 1]}\n`);
    };
    const dir = await tempDir(t, 'camlink-kill9-');
    const dataDir = join(dir, 'data');
    await mkdir(dataDir);
    const configFile = await writePlatformConfig(dataDir, { thumbnails: { enabled: false } });
    // Uploads whose reconciliation was logged ("upload completed", or a duplicate after redelivery).
    const reconciled = new Set<string>();
    let onReconciled = () => undefined as void;
    const onLog = (l: Record<string, unknown>) => {
      if (l.msg !== 'upload completed' && l.msg !== 'duplicate upload notification') return;
      reconciled.add(String(l.uploadId));
      onReconciled();
    };
    const processes: PlatformProcess[] = [await startPlatformProcess(t, configFile, dataDir, onLog)];
    const first = processes[0]!;
    const e = first.endpoints;
    const world = await appWorld(t, { endpoints: e, operatorTokenFile: join(dataDir, 'operator-token') });
    const ca = world.ca;
    const httpsAgent = new https.Agent({ ca, keepAlive: true });
    t.after(() => httpsAgent.destroy());

    const sqs = new SQSClient(sdkOptions(e.sqs, ca, e.credentials));
    t.after(() => sqs.destroy());

    const cameras = [];
    for (let i = 0; i < CAMERAS; i++) cameras.push(await world.provision(`cam-fault-${i}`));

    // The outage: `up` is replaced before the kill, so any step failing because of it waits for the restart.
    let up: Promise<void> = Promise.resolve();
    let restarted: Promise<void> | undefined;
    let pubacksAtKill = 0;
    const restart = () => {
      let ready = () => undefined as void;
      up = new Promise<void>((resolve) => (ready = resolve));
      restarted = (async () => {
        phase('kill');
        await first.kill9();
        processes.push(await startPlatformProcess(t, configFile, dataDir, onLog));
        phase('up again');
        ready();
      })();
    };
    phase('platform up');
    const fleet = await CameraFleet.start({
      dir: join(dir, 'cameras'),
      cameras,
      mqttUrl: e.mqtt,
      ca,
      httpsAgent,
      ready: () => up,
    });
    t.after(() => fleet.stop());
    fleet.on('announced', ({ total }) => {
      if (total === KILL_AFTER_PUBACKS && restarted === undefined) {
        pubacksAtKill = total;
        restart();
      }
    });

    const { operator } = world;
    phase('cameras connected');
    await Promise.all(cameras.map((c) => fleet.run(operator, c.deviceId, UPLOADS / CAMERAS)));
    phase('all PUTs acknowledged');
    assert.ok(restarted, 'the platform was killed during the run');
    await restarted;
    assert.equal(pubacksAtKill, KILL_AFTER_PUBACKS);

    // All 1,000 PUTs acknowledged (after retries), all outboxes drained: every notification PUBACKed.
    assert.equal(fleet.acknowledged.size, UPLOADS);
    assert.ok(await fleet.outboxesEmpty(), 'every camera announced everything');
    assert.deepEqual([...fleet.pubacks.keys()].sort(), [...fleet.acknowledged.keys()].sort());

    // Reconciled: done in the backend now, or as soon as its completion (or a duplicate, redelivered
    // after the kill) is logged. Logs are written asynchronously, so a line may die with the process:
    // the API is the record, the log the event to wait on.
    const second = processes[1]!;
    const status = (id: string) => operator.getUpload(id).then((r) => r.upload);
    const views = new Map(
      await inBatches([...fleet.acknowledged.keys()], 8, async (id) => [id, await status(id)] as const),
    );
    const waiting = new Set([...views].filter(([, v]) => v.status !== 'done').map(([id]) => id));
    await new Promise<void>((resolve) => {
      onReconciled = () => {
        for (const id of waiting) if (reconciled.has(id)) waiting.delete(id);
        if (waiting.size === 0) resolve();
      };
      onReconciled();
    });
    phase('all reconciled');
    const completions = new Map<string, number>();
    for (const p of processes) {
      for (const l of p.logs) {
        if (l.msg === 'upload completed')
          completions.set(String(l.uploadId), (completions.get(String(l.uploadId)) ?? 0) + 1);
      }
    }
    for (const record of fleet.acknowledged.values()) {
      const upload =
        views.get(record.uploadId)?.status === 'done'
          ? views.get(record.uploadId)!
          : await status(record.uploadId);
      assert.equal(upload.status, 'done', `${record.uploadId} is done`);
      assert.equal(upload.size, record.size);
      assert.equal(upload.sha256, record.sha256);
      const n = completions.get(record.uploadId) ?? 0;
      assert.ok(n <= 1, `${record.uploadId} completed ${n} times`);
    }
    const dlq = await sqs.send(new GetQueueUrlCommand({ QueueName: UPLOAD_DLQ_NAME }));
    const dead = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: dlq.QueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    assert.equal(dead.Attributes?.ApproximateNumberOfMessages, '0', 'nothing was dead-lettered');

    // The store: exactly the acknowledged objects, whole; nothing partial listed or left on disk.
    const s3 = new S3Client({ ...sdkOptions(second.endpoints.s3, ca, e.credentials), forcePathStyle: true });
    t.after(() => s3.destroy());
    const listed: _Object[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: token }));
      listed.push(...(page.Contents ?? []));
      token = page.NextContinuationToken;
    } while (token !== undefined);
    const byKey = new Map([...fleet.acknowledged.values()].map((r) => [r.key, r]));
    assert.equal(listed.length, UPLOADS);
    await inBatches(listed, 8, async (object) => {
      const record = byKey.get(object.Key ?? '');
      assert.ok(record, `listed ${object.Key} is an acknowledged upload`);
      assert.equal(object.Size, record.size);
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: record.key }));
      const bytes = await got.Body!.transformToByteArray();
      assert.equal(
        createHash('sha256').update(bytes).digest('hex'),
        record.sha256,
        `${record.key} is intact`,
      );
    });
    phase('store verified');
    const bucketDir = join(dataDir, 'storage', 'buckets', BUCKET);
    assert.deepEqual(await readdir(join(bucketDir, 'tmp')), [], 'no temp file left');
    // A PUT killed between its data rename and its sidecar leaves an unreferenced data file; the
    // restart's scan never deletes one and leaves it in place while it is young (docs/storage.md).
    const scan = second.logs.find(
      (l) => l.msg === 'object store scan done: objects loaded, files quarantined',
    );
    assert.ok(scan, 'the restart logged its scan summary');
    assert.equal(scan.quarantined, 0, 'nothing was old enough to quarantine');
    assert.equal(
      (await readdir(join(bucketDir, 'data'))).length,
      UPLOADS + Number(scan.leftInPlace),
      'no unreferenced data file but the ones the scan reported left in place',
    );

    const retried = [...fleet.acknowledged.values()].filter((r) => r.failedPuts > 0).length;
    t.diagnostic(phases.join('; '));
    t.diagnostic(
      `killed after ${pubacksAtKill} PUBACKs; ${retried} PUTs retried after the outage; ` +
        `${fleet.issueRetries} upload-URL requests retried; ` +
        `${[...fleet.pubacks.values()].filter((n) => n > 1).length} notifications PUBACKed more than once; ` +
        `${second.logs.filter((l) => l.msg === 'duplicate upload notification').length} duplicates reconciled`,
    );
    await fleet.stop();
    assert.equal(await second.stop(), 0, 'the restarted platform stops cleanly');
  },
);

/** `fn` over `items`, `width` at a time, results in order. */
async function inBatches<T, R>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width)
    out.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return out;
}
