/**
 * The fuzz budget of every fast-check property (docs/fuzzing.md). `npm test` runs each property with
 * its base run count, cut short after FUZZ_TIME_MS (default 2 s) so a slow machine stays bounded;
 * `npm run fuzz` (or FUZZ_RUNS=N) multiplies the runs and the time cap by N. fast-check prints the seed
 * and path of a failure; FUZZ_SEED (and FUZZ_PATH) replay it.
 */
import fc, { type Parameters } from 'fast-check';

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** Parameters for fc.assert: `baseRuns` scaled by FUZZ_RUNS, a time cap, and the replay seed if set. */
export function fuzz<Ts>(baseRuns: number): Parameters<Ts> {
  const scale = envNumber('FUZZ_RUNS', 1);
  const seed = process.env.FUZZ_SEED;
  const path = process.env.FUZZ_PATH;
  return {
    numRuns: baseRuns * scale,
    interruptAfterTimeLimit: envNumber('FUZZ_TIME_MS', 2_000) * scale,
    markInterruptAsFailure: false,
    ...(seed === undefined || seed === '' ? {} : { seed: Number(seed) }),
    ...(path === undefined || path === '' ? {} : { path }),
  };
}

/**
 * Runs `fn`; returns normally, or lets only an error accepted by `isTyped` through (it is swallowed).
 * Anything else (TypeError, RangeError, URIError...) fails the property with its stack.
 */
export function onlyTyped(fn: () => unknown, isTyped: (err: unknown) => boolean): void {
  try {
    fn();
  } catch (err) {
    if (!isTyped(err)) throw err;
  }
}

/** Async variant of onlyTyped. */
export async function onlyTypedAsync(fn: () => Promise<unknown>, isTyped: (err: unknown) => boolean) {
  try {
    await fn();
  } catch (err) {
    if (!isTyped(err)) throw err;
  }
}

/** Byte-level mutations of a valid input: overwrite, insert, delete, then maybe truncate. */
export interface Mutation {
  edits: { kind: 'set' | 'insert' | 'delete' | 'flip'; at: number; byte: number }[];
  keep: number | undefined;
}

export function applyMutation(valid: Uint8Array, m: Mutation): Uint8Array {
  const bytes = [...valid];
  for (const e of m.edits) {
    const at = bytes.length === 0 ? 0 : e.at % bytes.length;
    if (e.kind === 'set') bytes[at] = e.byte;
    else if (e.kind === 'flip') bytes[at] = (bytes[at] ?? 0) ^ (1 << (e.byte & 7));
    else if (e.kind === 'insert') bytes.splice(at, 0, e.byte);
    else bytes.splice(at, 1);
  }
  return Uint8Array.from(m.keep === undefined ? bytes : bytes.slice(0, m.keep % (bytes.length + 1)));
}

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  edits: fc.array(
    fc.record({
      kind: fc.constantFrom('set', 'insert', 'delete', 'flip'),
      at: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  keep: fc.option(fc.nat(), { nil: undefined }),
});

/** Strings of arbitrary UTF-16 code units, lone surrogates included (fc's 'binary' unit never has them). */
export function utf16String(maxLength: number): fc.Arbitrary<string> {
  return fc.string({
    unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    maxLength,
  });
}
