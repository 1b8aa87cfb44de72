/** The thumbnailer's bounds: concurrency, the waiting queue, the bytes it holds, and stopping. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { sampleJpeg } from '../../device/sample-images.js';
import { createLogger } from '../../log/logger.js';
import type { ObjectStore } from '../cloud/types.js';
import { Thumbnailer, type ThumbnailJob, type ThumbnailerSettings } from './thumbnailer.js';

const settings: ThumbnailerSettings = {
  enabled: true,
  maxEdgePixels: 320,
  maxSourceBytes: 1_000_000,
  maxSourcePixels: 50_000_000,
  concurrency: 2,
  maxQueued: 3,
  maxQueuedBytes: 0,
};

/** An object store whose PUTs wait until the test lets them finish; GETs serve the sample picture. */
function slowStore() {
  const puts: { key: string; finish: () => void }[] = [];
  const gets: string[] = [];
  let putArrived: () => void = () => undefined;
  const store: ObjectStore = {
    head: () => Promise.resolve(undefined),
    get: (_bucket, key) => {
      gets.push(key);
      return Promise.resolve(Readable.from([sampleJpeg(key)]));
    },
    fetch: () => Promise.resolve(undefined),
    delete: () => Promise.resolve(),
    put: (_bucket, key) =>
      new Promise<void>((finish) => {
        puts.push({ key, finish });
        putArrived();
      }),
    objectUrl: (bucket, key) => `https://s3.example/${bucket}/${key}`,
  };
  const nextPut = () =>
    new Promise<void>((resolve) => {
      putArrived = resolve;
    });
  return { store, puts, gets, nextPut };
}

const job = (n: number, bytes?: Buffer): ThumbnailJob => ({
  upload: {
    uploadId: `up-${n}`,
    deviceId: 'cam-1',
    bucket: 'media',
    key: `devices/cam-1/up-${n}.jpg`,
    contentType: 'image/jpeg',
  },
  userId: 'usr-1',
  ...(bytes === undefined ? {} : { bytes }),
});

test('thumbnails are made two at a time; a full queue skips; stop finishes the running, drops the rest', async () => {
  const s = slowStore();
  const made: string[] = [];
  const thumbnailer = new Thumbnailer({
    objects: s.store,
    settings,
    logger: createLogger({ level: 'silent' }),
    made: (j, key) => made.push(`${j.upload.uploadId} ${key}`),
  });
  let arrived = s.nextPut();
  for (let n = 1; n <= 6; n++) thumbnailer.enqueue(job(n));
  // Two running (their PUTs wait), three waiting, the sixth skipped.
  assert.equal(thumbnailer.queued, 3);
  assert.equal(thumbnailer.stats.skipped, 1);
  while (s.puts.length < 2) {
    await arrived;
    arrived = s.nextPut();
  }
  // The two decode at once, so either PUT may arrive first.
  assert.deepEqual(s.puts.map((p) => p.key).sort(), [
    'devices/cam-1/up-1.thumb.jpg',
    'devices/cam-1/up-2.thumb.jpg',
  ]);
  const first = s.puts[0];
  first?.finish();
  await arrived;
  assert.equal(s.puts.length, 3, 'a finished thumbnail lets the next one start');
  assert.equal(s.puts[2]?.key, 'devices/cam-1/up-3.thumb.jpg', 'the waiting ones start in order');
  const firstId = /up-\d+/.exec(first?.key ?? '')?.[0];
  assert.deepEqual(made, [`${firstId} devices/cam-1/${firstId}.thumb.jpg`]);

  const stopped = thumbnailer.stop();
  assert.equal(thumbnailer.stats.dropped, 2, 'the two still waiting are dropped');
  for (const put of s.puts.slice(1)) put.finish();
  await stopped;
  assert.equal(thumbnailer.stats.made, 3);
  thumbnailer.enqueue(job(7));
  assert.equal(thumbnailer.stats.dropped, 3, 'nothing is taken after stop');
});

test('handed-over bytes are held up to maxQueuedBytes; past it the picture is read again', async () => {
  const s = slowStore();
  const picture = sampleJpeg('held');
  const thumbnailer = new Thumbnailer({
    objects: s.store,
    settings: { ...settings, concurrency: 1, maxQueued: 10, maxQueuedBytes: picture.length },
    logger: createLogger({ level: 'silent' }),
    made: () => undefined,
  });
  let arrived = s.nextPut();
  // The first runs at once with its bytes; of the waiting ones only the first fits the budget.
  for (let n = 1; n <= 3; n++) thumbnailer.enqueue(job(n, picture));
  for (let done = 0; done < 3; done++) {
    await arrived;
    arrived = s.nextPut();
    s.puts[done]?.finish();
  }
  await thumbnailer.idle();
  assert.deepEqual(s.gets, ['devices/cam-1/up-3.jpg'], 'only the job over the budget read its picture');
  assert.equal(thumbnailer.stats.made, 3);
});
