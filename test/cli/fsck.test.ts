/**
 * `camlink fsck` on a data dir the embedded platform wrote: what each check reports, the exit codes
 * (0 clean, 1 problems found, 2 problems remain after --repair, 3 could not run), the quick form reading
 * no object data, and --repair refused while the platform runs. The lost-WAL repair itself is
 * test/fault/backend-db.test.ts.
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { UPLOAD_DLQ_NAME } from '../../src/contracts/upload-queue.js';
import type { FsckReport } from '../../src/fsck/types.js';
import { keyHash, objectMetaSchema } from '../../src/storage/disk-layout.js';
import { appWorld } from '../helpers/app-world.js';
import { sdkOptions } from '../helpers/aws.js';
import { CameraFleet } from '../helpers/camera-fleet.js';
import { cli, errorCodeOf } from '../helpers/cli.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

const BUCKET = 'camlink-media';

const findings = (report: FsckReport, kind: string) =>
  report.checks.flatMap((c) => c.findings).filter((f) => f.kind === kind);

test('camlink fsck: every check on a data dir with faults, exit codes 0/1/2/3, the quick form, repair refused while running', async (t) => {
  const dir = await tempDir(t);
  const dataDir = join(dir, 'data');
  const completed = new Set<string>();
  let onCompleted = () => undefined as void;
  const { platform } = await startTestPlatform(t, dataDir, {
    extra: { backend: { thumbnails: { enabled: false } } },
    onLog: (l) => {
      if (l.msg === 'upload completed') {
        completed.add(String(l.uploadId));
        onCompleted();
      }
    },
  });
  const base = ['--data-dir', dataDir];

  // A fresh platform's data dir is clean.
  const clean = await cli(['fsck', ...base]);
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  assert.match(clean.stdout, /No problems found/);

  // While it runs, --repair is refused; a report is not.
  const refused = await cli(['fsck', '--repair', ...base]);
  assert.equal(refused.code, 3);
  assert.equal(errorCodeOf(refused), 'CONFLICT');
  assert.match(refused.stderr, /a platform is running on .*stop it before `camlink fsck --repair`/);
  assert.equal(refused.stdout, '');

  // Three done uploads; then a pending upload whose object is stored, a thumbnail without its upload,
  // another key under devices/, and a notification in the dead-letter queue.
  const world = await appWorld(t, platform);
  const camera = await world.provision('cam-fsck-1');
  const fleet = await CameraFleet.start({
    dir: join(dir, 'cameras'),
    cameras: [camera],
    mqttUrl: platform.endpoints.mqtt,
    ca: world.ca,
    httpsAgent: world.httpsAgent,
    ready: () => Promise.resolve(),
  });
  t.after(() => fleet.stop());
  await fleet.run(world.operator, camera.deviceId, 3);
  const done = [...fleet.acknowledged.values()];
  await new Promise<void>((resolve) => {
    onCompleted = () => done.every((u) => completed.has(u.uploadId)) && resolve();
    onCompleted();
  });
  await fleet.stop();
  const e = platform.endpoints;
  const s3 = new S3Client({ ...sdkOptions(e.s3, world.ca, e.credentials), forcePathStyle: true });
  const sqs = new SQSClient(sdkOptions(e.sqs, world.ca, e.credentials));
  t.after(() => {
    s3.destroy();
    sqs.destroy();
  });
  const pending = await world.operator.issueUpload(camera.deviceId, { contentType: 'image/jpeg' });
  const put = (Key: string) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'bytes' }));
  await put(pending.key);
  await put(`devices/${camera.deviceId}/upl_nosuchupload.thumb.jpg`);
  await put(`devices/${camera.deviceId}/notes/readme.txt`);
  const dlq = await sqs.send(new GetQueueUrlCommand({ QueueName: UPLOAD_DLQ_NAME }));
  await sqs.send(new SendMessageCommand({ QueueUrl: dlq.QueueUrl, MessageBody: '{"dead":true}' }));
  await platform.close();

  // Damage: one done upload loses its object; another's data is overwritten with other bytes.
  const [lost, altered] = done;
  assert.ok(lost && altered);
  const bucketDir = join(dataDir, 'storage', 'buckets', BUCKET);
  const sidecar = (key: string) => join(bucketDir, 'meta', `${keyHash(key)}.json`);
  await rm(sidecar(lost.key));
  const meta = objectMetaSchema.parse(JSON.parse(await readFile(sidecar(altered.key), 'utf8')));
  await writeFile(join(bucketDir, 'data', meta.dataFile), Buffer.alloc(meta.size, 0x42));

  const reported = await cli(['fsck', '--json', ...base]);
  assert.equal(reported.code, 1, reported.stderr);
  const report = JSON.parse(reported.stdout) as FsckReport;
  assert.equal(report.mode, 'full');
  const keysOf = (kind: string) => findings(report, kind).map((f) => f.key);
  assert.deepEqual(keysOf('done-object-missing'), [lost.key]);
  assert.deepEqual(keysOf('done-object-differs'), [altered.key]);
  assert.deepEqual(keysOf('object-damaged'), [altered.key]);
  assert.deepEqual(
    findings(report, 'unreferenced-data-file').map((f) => f.severity),
    ['note'],
    'the lost object data file is referenced by no sidecar',
  );
  assert.deepEqual(keysOf('pending-with-object'), [pending.key]);
  assert.deepEqual(keysOf('thumbnail-without-upload'), [
    `devices/${camera.deviceId}/upl_nosuchupload.thumb.jpg`,
  ]);
  assert.deepEqual(keysOf('unrecognized-key'), [`devices/${camera.deviceId}/notes/readme.txt`]);
  assert.deepEqual(
    findings(report, 'dead-letters').map((f) => f.severity),
    ['problem'],
  );
  // The lost object's data is still there without its sidecar: the quarantine check finds it by its key.
  assert.deepEqual(keysOf('object-in-quarantine'), [lost.key]);
  assert.equal(report.problems, 5, JSON.stringify(report.checks.map((c) => [c.id, c.summary])));
  assert.ok(report.advice.some((a) => a.includes('camlink queue redrive')));
  assert.deepEqual(findings(report, 'object-without-row'), []);

  // The quick form reads no object data: the altered bytes go unseen, the lost object does not.
  const quick = JSON.parse((await cli(['fsck', '--quick', '--json', ...base])).stdout) as FsckReport;
  assert.equal(quick.mode, 'quick');
  assert.deepEqual(
    quick.checks.map((c) => c.id),
    ['databases', 'quarantine', 'done-uploads', 'objects-without-rows', 'pending-uploads', 'dead-letters'],
  );
  assert.deepEqual(
    findings(quick, 'done-object-missing').map((f) => f.key),
    [lost.key],
  );
  assert.deepEqual(findings(quick, 'done-object-differs'), []);

  // --repair restores the lost object from its data (the sidecar rebuilt: the done-uploads check then
  // hashes it against the row and finds it whole); the rest it cannot fix: exit 2, each says why.
  const repair = await cli(['fsck', '--repair', '--json', ...base]);
  assert.equal(repair.code, 2, repair.stderr);
  const repaired = JSON.parse(repair.stdout) as FsckReport;
  assert.equal(repaired.repaired, 1);
  const restored = findings(repaired, 'object-in-quarantine');
  assert.deepEqual(
    restored.map((f) => [f.key, f.repaired]),
    [[lost.key, true]],
  );
  assert.deepEqual(findings(repaired, 'done-object-missing'), []);
  assert.deepEqual(
    findings(repaired, 'done-object-differs').map((f) => f.key),
    [altered.key],
  );
  assert.equal(repaired.remaining, 3);
  for (const f of findings(repaired, 'done-object-differs')) {
    assert.equal(f.repaired, false);
    assert.match(f.repair ?? '', /no place to mark a done upload damaged/);
  }
  const text = await cli(['fsck', ...base]);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /done uploads +PROBLEMS/);
  assert.match(text.stdout, /3 problems found\./);
  assert.match(text.stdout, /What to do:/);

  // A data dir that is not there: fsck cannot run.
  const missing = await cli(['fsck', '--data-dir', join(dir, 'nowhere')]);
  assert.equal(missing.code, 3);
  assert.equal(errorCodeOf(missing), 'FILE_UNREADABLE');
});
