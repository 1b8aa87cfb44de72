/**
 * The sample pictures are real JPEGs: SOI/EOI, distinct bytes per capture, and a JPEG decoder
 * (libjpeg's djpeg, when installed) decodes each one to a 16x16 image.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { randomBytes } from 'node:crypto';
import {
  looksLikeJpeg,
  SAMPLE_JPEG_HEIGHT,
  SAMPLE_JPEG_WIDTH,
  sampleJpeg,
  sizedJpeg,
} from './sample-images.js';

function hasDjpeg(): boolean {
  try {
    execFileSync('djpeg', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('captures are distinct valid JPEGs', () => {
  const a = sampleJpeg();
  const b = sampleJpeg('IMG_0001.JPG');
  const c = sampleJpeg('IMG_0002.JPG');
  for (const jpeg of [a, b, c]) assert.ok(looksLikeJpeg(jpeg));
  assert.notDeepEqual(b, c);
  assert.ok(b.includes(Buffer.from('IMG_0001.JPG')));
  assert.throws(() => sampleJpeg('x'.repeat(65_534)), RangeError);
});

test('sized JPEGs have exactly the size asked for', () => {
  const base = sampleJpeg().length;
  for (const size of [base, base + 4, base + 7, base + 65_537, base + 65_540, base + 131_074, 1_048_576]) {
    const jpeg = sizedJpeg(size, randomBytes);
    assert.equal(jpeg.length, size, `size ${size}`);
    assert.ok(looksLikeJpeg(jpeg));
  }
  assert.throws(() => sizedJpeg(base - 1, randomBytes), RangeError);
  assert.throws(() => sizedJpeg(base + 2, randomBytes), RangeError);
});

test('a JPEG decoder reads them', { skip: !hasDjpeg() && 'djpeg is not installed' }, () => {
  const sized = sizedJpeg(300_000, randomBytes);
  for (const jpeg of [sampleJpeg(), sampleJpeg('a comment'), sized]) {
    // PPM output: "P6\n16 16\n255\n" then the pixels.
    const ppm = execFileSync('djpeg', ['-pnm'], { input: jpeg });
    const header = ppm.subarray(0, 16).toString('latin1').split(/\s+/);
    assert.deepEqual(header.slice(0, 3), ['P6', String(SAMPLE_JPEG_WIDTH), String(SAMPLE_JPEG_HEIGHT)]);
  }
});
