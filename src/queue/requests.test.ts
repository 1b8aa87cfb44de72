import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzz } from '../../test/helpers/fuzz.js';
import { parseRequest, requestSchemas, type Operation } from './requests.js';
import { SqsError, isSqsError } from './errors.js';

const operations = Object.keys(requestSchemas) as Operation[];
const target = fc.oneof(
  fc.constantFrom(...operations.map((o) => `AmazonSQS.${o}`)),
  fc.string(),
  fc.constant(undefined),
);
const memberNames = [
  'QueueUrl',
  'QueueName',
  'MessageBody',
  'Entries',
  'Attributes',
  'MessageAttributes',
  'Id',
];
const body = fc.oneof(
  fc.string(),
  fc.json(),
  fc
    .dictionary(fc.oneof(fc.constantFrom(...memberNames), fc.string()), fc.jsonValue())
    .map((v) => JSON.stringify(v)),
);

test('request parsing never throws anything but a typed SqsError (random targets and bodies)', () => {
  fc.assert(
    fc.property(target, body, (t, b) => {
      try {
        parseRequest(t, b);
      } catch (err) {
        assert.ok(err instanceof SqsError, `untyped error ${String(err)}`);
      }
    }),
    fuzz(2_000),
  );
});

test('request parsing: vectors for each failure kind', () => {
  assert.throws(
    () => parseRequest('AmazonSQS.Nope', '{}'),
    (e) => isSqsError(e, 'UnknownOperation'),
  );
  assert.throws(
    () => parseRequest('AmazonSQS.ListQueues', '{'),
    (e) => isSqsError(e, 'SerializationException'),
  );
  assert.throws(
    () => parseRequest('AmazonSQS.SendMessage', '{"QueueUrl":"u"}'),
    (e) => isSqsError(e, 'MissingParameter'),
  );
  assert.throws(
    () => parseRequest('AmazonSQS.SendMessage', '{"QueueUrl":"u","MessageBody":1}'),
    (e) => isSqsError(e, 'InvalidParameterValue'),
  );
  assert.throws(
    () => parseRequest('AmazonSQS.ListQueues', '{"Unknown":1}'),
    (e) => isSqsError(e, 'InvalidParameterValue'),
  );
  assert.deepEqual(parseRequest('AmazonSQS.DeleteQueue', '{"QueueUrl":"u"}'), {
    operation: 'DeleteQueue',
    input: { QueueUrl: 'u' },
  });
});
