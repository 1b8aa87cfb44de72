/**
 * Fuzzing of the KVS JSON request bodies (control plane and archived media): any body bytes are a JSON
 * object or InvalidArgumentException (jsonObjectOf), and any JSON value given to any operation's
 * schema is an input or InvalidArgumentException, never another exception.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonObjectOf } from './auth.js';
import { isKvsError } from './errors.js';
import { operations, parseInput, type OperationName } from './requests.js';
import { archiveOperationByPath, parseArchiveInput } from './archive/operations.js';
import { applyMutation, fuzz, mutation, onlyTyped } from '../../test/helpers/fuzz.js';

const isInvalidArgument = (err: unknown) => isKvsError(err) && err.type === 'InvalidArgumentException';
const controlOps = Object.keys(operations) as OperationName[];
const archiveOps = [...archiveOperationByPath.values()];
const members = [
  'StreamName',
  'StreamARN',
  'DeviceName',
  'MediaType',
  'KmsKeyId',
  'DataRetentionInHours',
  'Tags',
  'CurrentVersion',
  'Operation',
  'DataRetentionChangeInHours',
  'APIName',
  'TagKeyList',
  'MaxResults',
  'NextToken',
  'StreamNameCondition',
  'FragmentSelector',
  'ClipFragmentSelector',
  'HLSFragmentSelector',
  'PlaybackMode',
  'Expires',
  'MaxMediaPlaylistFragmentResults',
  'ContainerFormat',
  'DiscontinuityMode',
  'DisplayFragmentTimestamp',
  'TimestampRange',
  'StartTimestamp',
  'EndTimestamp',
  '__proto__',
  'constructor',
];
const values = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    'cam-1',
    'arn:aws:kinesisvideo:us-east-1:123456789012:stream/cam-1/1',
    'LIVE',
    'ON_DEMAND',
    'PRODUCER_TIMESTAMP',
    'PUT_MEDIA',
    1e308,
    -1,
    0.5,
  ),
);
const bodies = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.dictionary(fc.constantFrom(...members), values, { maxKeys: 6 }),
);

test('body bytes: a JSON object or InvalidArgumentException', () => {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.json().map((j) => Buffer.from(j)),
    fc.tuple(bodies, mutation).map(([b, m]) => applyMutation(Buffer.from(JSON.stringify(b) ?? ''), m)),
  );
  fc.assert(
    fc.property(bytes, (b) =>
      onlyTyped(() => {
        const json = jsonObjectOf(Buffer.from(b));
        assert.ok(typeof json === 'object' && json !== null && !Array.isArray(json));
      }, isInvalidArgument),
    ),
    fuzz(800),
  );
});

test('every control-plane and archived-media operation: an input or InvalidArgumentException', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...controlOps),
      fc.constantFrom(...archiveOps),
      bodies,
      (op, archiveOp, body) => {
        onlyTyped(() => parseInput(op, body), isInvalidArgument);
        onlyTyped(() => parseArchiveInput(archiveOp, body), isInvalidArgument);
      },
    ),
    fuzz(800),
  );
});
