import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BitReader, nalToRbsp } from './bits.js';
import { H264Error } from './errors.js';
import { parseSps } from './sps.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

// SPS NAL units taken from libx264 streams made with ffmpeg (see the interop test for the command).
const BASELINE_320x240 = hex('6742c00dd90141fb011000000300100000030320f142a480');
const HIGH_1280x720 = hex('6764001facd9405005bb0110000003001000000303c0f1831960');
const HIGH444_1918x1080 = hex('67f40028919b280f0044f7138088000003000800000301e078c18cb0');
const HIGH_1920x1080_INTERLACED = hex('67640028acd94078044fde0220000003002000000643e2c5b2c0');

test('a baseline SPS from ffmpeg: profile 66, level 1.3, 320x240', () => {
  const sps = parseSps(BASELINE_320x240);
  assert.equal(sps.profileIdc, 66);
  assert.equal(sps.constraintFlags, 0xc0);
  assert.equal(sps.levelIdc, 13);
  assert.equal(sps.chromaFormatIdc, 1);
  assert.equal(sps.frameMbsOnly, true);
  assert.deepEqual([sps.width, sps.height], [320, 240]);
});

test('high profile SPSs: chroma format, frame cropping and field coding', () => {
  const high = parseSps(HIGH_1280x720);
  assert.deepEqual([high.profileIdc, high.levelIdc, high.width, high.height], [100, 31, 1280, 720]);

  // 4:4:4 crops in whole luma samples: 1920-2 by 1088-8.
  const h444 = parseSps(HIGH444_1918x1080);
  assert.equal(h444.chromaFormatIdc, 3);
  assert.deepEqual(h444.crop, { left: 0, right: 2, top: 0, bottom: 8 });
  assert.deepEqual([h444.width, h444.height], [1918, 1080]);

  // Interlaced: map units are field MB pairs, so 34 of them give 1088 rows; crop units are 4 rows.
  const field = parseSps(HIGH_1920x1080_INTERLACED);
  assert.equal(field.frameMbsOnly, false);
  assert.deepEqual([field.width, field.height], [1920, 1080]);
});

/** MSB-first bit writer with Exp-Golomb codes, to hand-build SPSs the encoders at hand do not emit. */
class BitWriter {
  private readonly bits: number[] = [];
  u(n: number, v: number): this {
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(v / 2 ** i) % 2);
    return this;
  }
  ue(v: number): this {
    const len = Math.floor(Math.log2(v + 1));
    return this.u(len, 0).u(len + 1, v + 1);
  }
  se(v: number): this {
    return this.ue(v > 0 ? 2 * v - 1 : -2 * v);
  }
  bytes(): Uint8Array {
    const bits = [...this.bits, 1]; // rbsp_stop_one_bit
    while (bits.length % 8 !== 0) bits.push(0);
    const out = new Uint8Array(bits.length / 8);
    bits.forEach((b, i) => (out[i >> 3] = (out[i >> 3] ?? 0) | (b << (7 - (i & 7)))));
    return out;
  }
}

test('a high 4:2:2 SPS with explicit scaling lists and POC type 1 is walked to the right size', () => {
  const w = new BitWriter().u(8, 0x67).u(8, 122).u(8, 0).u(8, 41).ue(0);
  w.ue(2).ue(2).ue(2).u(1, 0); // 4:2:2, 10-bit luma and chroma, no transform bypass
  w.u(1, 1); // seq_scaling_matrix_present_flag
  for (let i = 0; i < 8; i++) {
    w.u(1, i % 2); // every other list present
    if (i % 2 === 1) {
      const size = i < 6 ? 16 : 64;
      for (let j = 0; j < size; j++) w.se(j === 0 ? 5 : 1);
    }
  }
  w.ue(0).ue(1).u(1, 0).se(-3).se(2).ue(3).se(1).se(-1).se(4); // frame_num, POC type 1 with a 3-cycle
  w.ue(2).u(1, 0).ue(119).ue(67).u(1, 1).u(1, 1); // refs, 1920x1088, frame_mbs_only, direct_8x8
  w.u(1, 1).ue(1).ue(1).ue(0).ue(8); // crop: 4:2:2 units are 2 wide, 1 high
  const sps = parseSps(w.bytes());
  assert.equal(sps.chromaFormatIdc, 2);
  assert.equal(sps.bitDepthLuma, 10);
  assert.equal(sps.picOrderCntType, 1);
  assert.deepEqual([sps.width, sps.height], [1916, 1080]);
});

test('emulation prevention bytes are removed before bits are read', () => {
  assert.deepEqual(nalToRbsp(hex('6700000301000003000003')), hex('6700000100000000'));
  const r = new BitReader(hex('a6'), 'test'); // 1 010 0110: ue 0, ue 1, ue 2
  assert.deepEqual([r.ue(), r.ue(), r.ue()], [0, 1, 2]);
  assert.equal(new BitReader(hex('20'), 't').se(), 2); // 00100 → k=3 → +2
});

test('malformed SPSs are typed errors', () => {
  const code = (bytes: Uint8Array): string => {
    try {
      parseSps(bytes);
    } catch (err) {
      assert.ok(err instanceof H264Error, String(err));
      return err.code;
    }
    return 'none';
  };
  assert.equal(code(hex('68aabbcc')), 'H264_SPS_INVALID'); // a PPS
  assert.equal(code(hex('6742')), 'H264_TRUNCATED');
  assert.equal(code(BASELINE_320x240.subarray(0, 6)), 'H264_TRUNCATED');
  assert.equal(code(hex('6742c00d00000000000000')), 'H264_SPS_INVALID'); // over-long Exp-Golomb
});
