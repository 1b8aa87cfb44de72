/**
 * Completing a multipart upload of many parts adds no listener per part: no MaxListenersExceededWarning
 * (issue 18). The store's complete() used to pipe every part into one shared sink with `end: false`,
 * and each pipeline left its listeners on that sink.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { DiskStore } from '../../src/storage/disk-layout.js';
import { MultipartStore } from '../../src/storage/multipart-store.js';
import { tempDir } from '../helpers/tmp.js';

test('complete() of a 20-part upload emits no MaxListenersExceededWarning and concatenates the parts', async (t) => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));

  const store = new DiskStore(await tempDir(t));
  await store.init();
  await store.createBucket('videos', new Date(0));
  const multipart = new MultipartStore(store);
  const uploadId = await multipart.create('videos', {
    key: 'clip.mp4',
    initiated: new Date(0).toISOString(),
    contentType: 'video/mp4',
    headers: {},
    userMetadata: {},
  });
  const bodies = Array.from({ length: 20 }, (_, i) => Buffer.alloc(1000 + i, i));
  const requested = [];
  for (const [i, body] of bodies.entries()) {
    const temp = await store.createTempFile('videos');
    await temp.handle.close();
    await writeFile(temp.path, body);
    const etag = createHash('md5').update(body).digest('hex');
    const part = {
      partNumber: i + 1,
      etag,
      size: body.length,
      lastModified: new Date(0).toISOString(),
      checksums: {},
    };
    await multipart.putPart('videos', uploadId, part, temp.path);
    requested.push({ partNumber: i + 1, etag, checksums: {} });
  }

  const result = await multipart.complete(
    'videos',
    uploadId,
    'clip.mp4',
    requested,
    { minPartBytes: 1, maxObjectBytes: 1024 * 1024 },
    new Date(0),
  );
  assert.match(result.etag, /^[0-9a-f]{32}-20$/);
  const meta = store.getObject('videos', 'clip.mp4');
  assert.ok(meta);
  assert.deepEqual(await readFile(store.dataPath('videos', meta)), Buffer.concat(bodies));
  // Warnings are emitted on process.nextTick: let one pass before looking.
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(
    warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message),
    [],
  );
});
