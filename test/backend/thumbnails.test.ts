/**
 * Server-side thumbnails through the whole flow on `camlink up`: a camera uploads a 1000x750 JPEG by the
 * app's hand-off; once reconciled (upload.completed) the thumbnailer makes it and says so
 * (upload.thumbnail), and the upload view carries a pre-signed thumbnail URL whose object is a 320x240
 * JPEG next to the picture. A picture libvips cannot decode is still recorded done; it just
 * has no thumbnail (the gallery shows the picture itself).
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { CameraLink } from '../../src/app/camera-link.js';
import { uploadThroughCamera } from '../../src/app/upload-flow.js';
import { appWorld } from '../helpers/app-world.js';
import { rawRequest } from '../helpers/https.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

test('a reconciled picture gets a 320 px JPEG thumbnail; an undecodable one is still recorded', async (t) => {
  const dir = await tempDir(t);
  const { platform } = await startTestPlatform(t, join(dir, 'platform'), {
    extra: { backend: { reconciler: { waitTimeSeconds: 1 } } },
  });
  const world = await appWorld(t, platform);
  const cam = await world.provision('cam-thumb');
  const pictures = join(dir, 'pictures');
  await mkdir(pictures);
  const photo = await sharp({
    create: { width: 1000, height: 750, channels: 3, background: { r: 200, g: 40, b: 40 } },
  })
    .jpeg()
    .toBuffer();
  await writeFile(join(pictures, 'IMG_0001.JPG'), photo);
  // SOI ... EOI around garbage: the camera takes it for a JPEG, libvips cannot decode it.
  await writeFile(
    join(pictures, 'IMG_0002.JPG'),
    Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(2048, 0x55), Buffer.from([0xff, 0xd9])]),
  );
  const camera = await world.startCamera(cam, join(dir, 'camera'), pictures);
  const alice = await world.user('Alice');
  const link = await CameraLink.connect('127.0.0.1', camera.responder.port);
  t.after(() => link.close());
  await link.pair(alice.client);
  // The user's event stream, open before the uploads: upload.thumbnail events by upload id.
  const thumbnails = new Map<string, Record<string, unknown>>();
  const thumbnailWaiters = new Map<string, (data: Record<string, unknown>) => void>();
  const watching = new AbortController();
  t.after(() => watching.abort());
  await new Promise<void>((opened) => {
    void alice.client.watch(
      (event) => {
        if (event.type !== 'upload.thumbnail') return;
        const data = event.data;
        const id = String(data['uploadId']);
        thumbnails.set(id, data);
        thumbnailWaiters.get(id)?.(data);
      },
      watching.signal,
      opened,
    );
  });
  const thumbnailOf = (uploadId: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const seen = thumbnails.get(uploadId);
      if (seen !== undefined) resolve(seen);
      else thumbnailWaiters.set(uploadId, resolve);
    });
  const handleOf = (name: string) => camera.storage.files().find((f) => f.filename === name)?.handle;

  const good = await uploadThroughCamera(alice.client, link, { handle: handleOf('IMG_0001.JPG') ?? 0 });
  const announced = await thumbnailOf(good.target.uploadId);
  assert.equal(announced['deviceId'], 'cam-thumb');
  assert.match(String(announced['thumbnailKey']), /\.thumb\.jpg$/);
  const view = (await alice.client.getUpload(good.target.uploadId)).upload as typeof good.upload & {
    thumbnail?: { url: string };
  };
  assert.equal(view.status, 'done');
  assert.ok(view.thumbnail, 'a done picture has a thumbnail URL');
  assert.match(view.thumbnail.url, /\.thumb\.jpg\?/);
  const thumb = await rawRequest(world.httpsAgent, view.thumbnail.url, { method: 'GET' });
  assert.equal(thumb.status, 200);
  const meta = await sharp(thumb.body).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 320, 240]);
  assert.ok(thumb.body.length < photo.length);

  const bad = await uploadThroughCamera(alice.client, link, { handle: handleOf('IMG_0002.JPG') ?? 0 });
  const badView = (await alice.client.getUpload(bad.target.uploadId)).upload as typeof bad.upload & {
    thumbnail?: { url: string };
  };
  assert.equal(badView.status, 'done');
  assert.equal(
    (await rawRequest(world.httpsAgent, badView.thumbnail?.url ?? '', { method: 'GET' })).status,
    404,
  );
});
