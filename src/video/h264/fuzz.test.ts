import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzz } from '../../../test/helpers/fuzz.js';
import { buildAvcc, parseAvcc } from './avcc.js';
import { H264Error } from './errors.js';
import { splitLengthPrefixed } from './nal.js';
import { parseSps } from './sps.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const SPS = hex('6742c00dd90141fb011000000300100000030320f142a480');
const PPS = hex('68cb83cb20');
const RECORD = buildAvcc({ sps: [SPS], pps: [PPS] });

/** Runs f; it may return or throw an H264Error, nothing else. */
function onlyTyped(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof H264Error, `untyped ${String(err)}`);
  }
}

/** Random bytes, and a valid input with a few bytes flipped, cut short or extended. */
function mutated(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc
      .tuple(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(base.length + 8),
        fc.uint8Array({ maxLength: 8 }),
      )
      .map(([flips, cut, tail]) => {
        const out = Uint8Array.from([...base, ...tail]);
        for (const [at, value] of flips) out[at] = value;
        return out.subarray(0, cut);
      }),
  );
}

test('fuzz: parseAvcc only ever throws H264Error', { timeout: 10_000 }, () => {
  fc.assert(
    fc.property(mutated(RECORD), (bytes) => onlyTyped(() => parseAvcc(bytes))),
    fuzz(3000),
  );
});

test('fuzz: parseSps only ever throws H264Error, and sizes stay sane', { timeout: 10_000 }, () => {
  fc.assert(
    fc.property(mutated(SPS), (bytes) =>
      onlyTyped(() => {
        const sps = parseSps(bytes);
        assert.ok(sps.width > 0 && sps.width <= 16384 && sps.height > 0 && sps.height <= 32768);
      }),
    ),
    fuzz(3000),
  );
});

test(
  'fuzz: SPS-shaped random bits (NAL type 7, high profile) only throw H264Error',
  { timeout: 10_000 },
  () => {
    const header = fc.constantFrom(66, 77, 100, 122, 244);
    fc.assert(
      fc.property(header, fc.uint8Array({ minLength: 1, maxLength: 48 }), (profile, rest) =>
        onlyTyped(() => parseSps(Uint8Array.from([0x67, profile, ...rest]))),
      ),
      fuzz(3000),
    );
  },
);

test('fuzz: splitLengthPrefixed covers its input exactly or throws H264Error', { timeout: 10_000 }, () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 40 }),
      fc.constantFrom(1 as const, 2 as const, 4 as const),
      (b, n) =>
        onlyTyped(() => {
          const nals = splitLengthPrefixed(b, n);
          assert.equal(
            nals.reduce((sum, nal) => sum + n + nal.length, 0),
            b.length,
          );
        }),
    ),
    fuzz(3000),
  );
});
