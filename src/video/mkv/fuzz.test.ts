import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzz } from '../../../test/helpers/fuzz.js';
import { MkvError } from './errors.js';
import { DEFAULT_MKV_LIMITS, type MkvLimits } from './limits.js';
import { MkvReader } from './reader.js';
import { sampleDocument } from './testing.js';

const SMALL: MkvLimits = {
  maxElementBytes: 4096,
  maxFrameBytes: 4096,
  maxDepth: 8,
  maxTracks: 3,
  maxStringBytes: 256,
};

/** Feeds the pieces; the only failure allowed is an MkvError, and buffering stays within the limits. */
function survives(bytes: Uint8Array, cuts: readonly number[], limits: MkvLimits): void {
  const reader = new MkvReader(limits);
  const bound = 12 + Math.max(limits.maxElementBytes, limits.maxFrameBytes + 11);
  try {
    let at = 0;
    for (const cut of [...cuts, bytes.length].sort((a, b) => a - b)) {
      const to = Math.min(Math.max(cut, at), bytes.length);
      reader.push(bytes.subarray(at, to));
      assert.ok(reader.pending <= bound, `pending ${reader.pending} over ${bound}`);
      at = to;
    }
    reader.end();
  } catch (err) {
    if (!(err instanceof MkvError)) throw err;
    assert.match(err.code, /^MKV_[A-Z]+$/);
  }
}

const valid = sampleDocument();
const cuts = fc.array(fc.nat({ max: valid.length }), { maxLength: 8 });

test('arbitrary bytes: only MkvError, bounded buffering', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), cuts, (bytes, c) => survives(bytes, c, SMALL)),
    fuzz(500),
  );
});

test('arbitrary bytes after a valid header: only MkvError', () => {
  const head = valid.subarray(0, 200);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), cuts, (tail, c) => {
      const bytes = new Uint8Array(head.length + tail.length);
      bytes.set(head);
      bytes.set(tail, head.length);
      survives(bytes, c, SMALL);
    }),
    fuzz(500),
  );
});

/** A valid document with bytes overwritten, inserted or deleted, then maybe truncated. */
const mutated = fc
  .record({
    edits: fc.array(
      fc.record({
        kind: fc.constantFrom('set', 'insert', 'delete'),
        at: fc.nat({ max: valid.length - 1 }),
        byte: fc.integer({ min: 0, max: 255 }),
      }),
      { minLength: 1, maxLength: 6 },
    ),
    keep: fc.option(fc.nat({ max: valid.length }), { nil: undefined }),
  })
  .map(({ edits, keep }) => {
    const bytes = [...valid];
    for (const e of edits) {
      const at = Math.min(e.at, bytes.length);
      if (e.kind === 'set') bytes[at] = e.byte;
      else if (e.kind === 'insert') bytes.splice(at, 0, e.byte);
      else bytes.splice(at, 1);
    }
    return Uint8Array.from(keep === undefined ? bytes : bytes.slice(0, keep));
  });

test('mutated valid documents: only MkvError, bounded buffering', () => {
  fc.assert(
    fc.property(mutated, cuts, (bytes, c) => survives(bytes, c, SMALL)),
    fuzz(1000),
  );
  fc.assert(
    fc.property(mutated, (bytes) => survives(bytes, [], DEFAULT_MKV_LIMITS)),
    fuzz(300),
  );
});
