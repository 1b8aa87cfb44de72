/**
 * libgphoto2 (Debian's gphoto2, `ptpip:` port) reads the simulated camera over PTP/IP: summary, file
 * list, download with byte-identical content, capture and download. gphoto2 runs with its own empty
 * HOME (it writes settings there) under `timeout -k`, since a capture gone wrong makes it ignore
 * SIGTERM (docs/ptpip.md "Responder behaviour").
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { CameraStorage } from '../../src/device/camera-storage.js';
import { ptpCamera } from '../../src/device/ptp-camera.js';
import { looksLikeJpeg, sampleJpeg } from '../../src/device/sample-images.js';
import { createLogger } from '../../src/log/logger.js';
import { startPtpIpResponder } from '../../src/ptp/responder.js';
import { tempDir } from '../helpers/tmp.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function gphoto2(port: number, home: string, cwd: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      'timeout',
      [
        '-k',
        '5',
        '60',
        'gphoto2',
        '--port',
        `ptpip:127.0.0.1:${port}:${port}`,
        '--camera',
        'PTP/IP Camera',
        ...args,
      ],
      { cwd, env: { ...process.env, HOME: home, LANG: 'C' }, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') reject(new Error(`gphoto2 did not run: ${err.message}`));
        else resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
      },
    );
  });
}

async function camera(t: TestContext) {
  const dir = await tempDir(t);
  const images = join(dir, 'images');
  await mkdir(images);
  const pictures = [sampleJpeg('first picture'), sampleJpeg('second picture, a little longer')];
  await writeFile(join(images, 'IMG_0001.JPG'), pictures[0] ?? Buffer.alloc(0));
  await writeFile(join(images, 'IMG_0002.JPG'), pictures[1] ?? Buffer.alloc(0));
  const storage = await CameraStorage.open(images, { now: () => new Date() });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const responder = await startPtpIpResponder({
    port: 0,
    friendlyName: 'camlink cam-gp',
    handler: ptpCamera({
      storage,
      identity: { deviceId: 'cam-gp', certificatePem: '', privateKey },
      model: 'camlink test camera',
    }),
    logger: createLogger({ level: 'silent' }),
  });
  t.after(() => responder.close());
  const home = join(dir, 'home');
  const work = join(dir, 'work');
  await mkdir(home);
  await mkdir(work);
  return { responder, pictures, home, work, storage };
}

test('gphoto2 --summary and --list-files read the camera', async (t) => {
  const c = await camera(t);
  const summary = await gphoto2(c.responder.port, c.home, c.work, ['--summary']);
  assert.equal(summary.code, 0, summary.stderr);
  assert.match(summary.stdout, /Model: camlink test camera/);
  assert.match(summary.stdout, /Manufacturer: camlink/);
  assert.match(summary.stdout, /Serial Number: cam-gp/);
  const list = await gphoto2(c.responder.port, c.home, c.work, ['--list-files']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /\/store_00010001\/DCIM\/100CAMLK/);
  assert.match(list.stdout, /IMG_0001\.JPG/);
  assert.match(list.stdout, /IMG_0002\.JPG/);
});

test('gphoto2 --get-all-files downloads byte-identical pictures', async (t) => {
  const c = await camera(t);
  const run = await gphoto2(c.responder.port, c.home, c.work, ['--get-all-files']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual((await readdir(c.work)).sort(), ['IMG_0001.JPG', 'IMG_0002.JPG']);
  assert.ok((await readFile(join(c.work, 'IMG_0001.JPG'))).equals(c.pictures[0] ?? Buffer.alloc(0)));
  assert.ok((await readFile(join(c.work, 'IMG_0002.JPG'))).equals(c.pictures[1] ?? Buffer.alloc(0)));
});

test('gphoto2 --capture-image-and-download gets the new picture', async (t) => {
  const c = await camera(t);
  const run = await gphoto2(c.responder.port, c.home, c.work, ['--capture-image-and-download', '--keep']);
  // gphoto2 2.5.28 exits 0 even when a capture fails: check what it says and what it wrote.
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(`${run.stdout}${run.stderr}`, /ERROR/);
  const files = await readdir(c.work);
  assert.equal(files.length, 1, `downloaded: ${files.join(', ')}\n${run.stdout}`);
  const downloaded = await readFile(join(c.work, files[0] ?? ''));
  assert.ok(looksLikeJpeg(downloaded));
  const shot = c.storage.files().find((f) => f.filename === files[0]);
  assert.ok(shot, 'the picture is on the camera (--keep)');
  assert.equal(downloaded.length, shot.size);
});
