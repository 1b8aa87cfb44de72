import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { tempDir } from '../../test/helpers/tmp.js';
import {
  CameraStorage,
  DCIM_HANDLE,
  FOLDER_HANDLE,
  FORMAT_ASSOCIATION,
  FORMAT_EXIF_JPEG,
  PARENT_ROOT,
  ptpDateTime,
} from './camera-storage.js';

const clock = { now: () => new Date(Date.UTC(2026, 10, 27, 8, 5, 9)) };

test('the store lists DCIM/100CAMLK and the JPEGs of the directory, by parent as GetObjectHandles does', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'b.jpg'), Buffer.alloc(10, 2));
  await writeFile(join(dir, 'a.JPG'), Buffer.alloc(5, 1));
  await writeFile(join(dir, 'notes.txt'), 'not a picture');
  const storage = await CameraStorage.open(dir, clock);
  assert.deepEqual(storage.handles(PARENT_ROOT), [DCIM_HANDLE]);
  assert.deepEqual(storage.handles(DCIM_HANDLE), [FOLDER_HANDLE]);
  const files = storage.handles(FOLDER_HANDLE);
  assert.deepEqual(
    files.map((h) => storage.get(h)?.filename),
    ['a.JPG', 'b.jpg'],
  );
  assert.equal(storage.handles(0).length, 4);
  assert.equal(storage.get(DCIM_HANDLE)?.format, FORMAT_ASSOCIATION);
  assert.equal(storage.get(files[0] ?? 0)?.format, FORMAT_EXIF_JPEG);
  assert.equal(storage.totalBytes(), 15);
});

test('capture adds a DCF-named picture; ranges read exactly; delete removes; handles are not reused', async (t) => {
  const dir = await tempDir(t);
  const storage = await CameraStorage.open(dir, clock);
  const bytes = Buffer.from('0123456789');
  const shot = await storage.add(bytes);
  assert.equal(shot.filename, 'CAML0001.JPG');
  assert.equal(shot.size, 10);
  assert.ok((await buffer(storage.read(shot.handle))).equals(bytes));
  assert.equal((await buffer(storage.read(shot.handle, 3, 4))).toString(), '3456');
  assert.equal((await buffer(storage.read(shot.handle, 8, 100))).toString(), '89');
  assert.equal((await buffer(storage.read(shot.handle, 10, 5))).length, 0);
  assert.equal(await storage.delete(shot.handle), true);
  assert.equal(storage.get(shot.handle), undefined);
  assert.equal(await storage.delete(DCIM_HANDLE), false, 'folders are not deleted');
  const next = await storage.add(bytes);
  assert.ok(next.handle > shot.handle);
});

test('PTP DateTime is YYYYMMDDThhmmss in UTC', () => {
  assert.equal(ptpDateTime(clock.now()), '20261127T080509');
});
