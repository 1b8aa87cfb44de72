import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uploadKey } from '../backend/uploads/issue.js';
import { thumbnailKey } from '../backend/uploads/thumbnails.js';
import { parseObjectKey } from './upload-keys.js';

test('the keys the backend writes parse back to their device and upload ids', () => {
  const key = uploadKey('cam:01_a-b', 'upl_AbC-d_9', 'image/heic');
  assert.deepEqual(parseObjectKey(key), {
    kind: 'upload',
    deviceId: 'cam:01_a-b',
    uploadId: 'upl_AbC-d_9',
    ext: 'heic',
  });
  assert.deepEqual(parseObjectKey(thumbnailKey(key)), {
    kind: 'thumbnail',
    deviceId: 'cam:01_a-b',
    uploadId: 'upl_AbC-d_9',
  });
  assert.deepEqual(parseObjectKey(uploadKey('cam-1', 'upl_x', 'application/x-unknown')), {
    kind: 'upload',
    deviceId: 'cam-1',
    uploadId: 'upl_x',
    ext: 'bin',
  });
});

test('anything else under devices/ is other', () => {
  for (const key of [
    'devices/cam-1/notes/readme.txt',
    'devices/cam-1/upl_x',
    'devices/cam-1/upl_x.toolongext',
    'devices/cam 1/upl_x.jpg',
    'devices//upl_x.jpg',
    `devices/cam-1/${'u'.repeat(65)}.jpg`,
    'devices/cam-1/upl_x.tar.gz',
  ]) {
    assert.deepEqual(parseObjectKey(key), { kind: 'other' }, key);
  }
});
