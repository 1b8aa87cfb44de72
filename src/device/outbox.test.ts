import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/helpers/tmp.js';
import { isCamlinkError } from '../errors/camlink-error.js';
import { createLogger } from '../log/logger.js';
import { Outbox } from './outbox.js';

const logger = createLogger({ level: 'silent' });
const note = (uploadId: string) => ({
  uploadId,
  deviceId: 'cam-1',
  bucket: 'camlink-media',
  key: `devices/cam-1/${uploadId}.jpg`,
  url: `https://127.0.0.1:9000/camlink-media/devices/cam-1/${uploadId}.jpg`,
  size: 3,
  sha256: 'a'.repeat(64),
  contentType: 'image/jpeg',
  capturedAt: '2026-11-27T00:00:00.000Z',
  uploadedAt: '2026-11-27T00:00:01.000Z',
});

test('entries survive a new instance, drain oldest first, and are removed only after publish', async (t) => {
  const dir = await tempDir(t);
  const first = await Outbox.open(dir, logger);
  for (const id of ['upl_a', 'upl_b', 'upl_c']) await first.add(note(id));
  const second = await Outbox.open(dir, logger);
  await second.add(note('upl_d'));
  const published: string[] = [];
  let fail = true;
  await assert.rejects(
    second.drain((n) => {
      if (n.uploadId === 'upl_c' && fail) return Promise.reject(new Error('connection lost'));
      published.push(n.uploadId);
      return Promise.resolve();
    }),
    /connection lost/,
  );
  assert.deepEqual(published, ['upl_a', 'upl_b']);
  fail = false;
  assert.equal(
    await second.drain((n) => {
      published.push(n.uploadId);
      return Promise.resolve();
    }),
    2,
  );
  assert.deepEqual(published, ['upl_a', 'upl_b', 'upl_c', 'upl_d']);
  assert.deepEqual(await second.pending(), []);
});

test('a corrupt entry is quarantined, an invalid notification refused, and the outbox is bounded', async (t) => {
  const dir = await tempDir(t);
  const outbox = await Outbox.open(dir, logger, 2);
  await writeFile(join(dir, '0000000000000001-upl_bad.json'), '{"torn');
  await outbox.add(note('upl_ok'));
  assert.deepEqual(
    (await outbox.pending()).map((e) => e.notification.uploadId),
    ['upl_ok'],
  );
  assert.deepEqual(await readdir(join(dir, 'quarantine')), ['0000000000000001-upl_bad.json']);
  await assert.rejects(outbox.add({ ...note('upl_x'), sha256: 'nope' }));
  await outbox.add(note('upl_two'));
  await assert.rejects(outbox.add(note('upl_three')), (err) => isCamlinkError(err, 'DEVICE_OUTBOX_FULL'));
});
