/**
 * Fuzzing of IoT policy documents as CreatePolicy receives them: any text is a document or
 * POLICY_INVALID; generated documents parse to their statements; and compiled random documents
 * authorize random actions and resources (and client contexts) without throwing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CamlinkError } from '../../errors/camlink-error.js';
import { conditionOperators, parsePolicyDocument, POLICY_MAX_CHARS } from './document.js';
import { CompiledPolicy } from './evaluate.js';
import { applyMutation, fuzz, mutation, onlyTyped, utf16String } from '../../../test/helpers/fuzz.js';

const isPolicyInvalid = (err: unknown) => err instanceof CamlinkError && err.code === 'POLICY_INVALID';

const pattern = fc.oneof(
  fc.constantFrom('*', '?', '${iot:ClientId}', '${iot:Connection.Thing.ThingName}', '${nope}', '${', 'a/+/#'),
  fc.string({ maxLength: 12 }),
);
const globText = fc.array(pattern, { minLength: 1, maxLength: 4 }).map((p) => p.join(''));
const resource = fc.oneof(
  fc.constant('*'),
  globText.map((g) => `arn:aws:iot:us-east-1:123456789012:${g}`),
);
const action = fc.constantFrom(
  'iot:Connect',
  'iot:Publish',
  'iot:Subscribe',
  'iot:Receive',
  'iot:*',
  'iot:Pub?ish',
  '*',
);
const oneOrList = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, fc.array(a, { minLength: 1, maxLength: 3 }));
const condition = fc.dictionary(
  fc.constantFrom(...conditionOperators),
  fc.dictionary(
    fc.constantFrom('iot:ClientId', 'iot:Connection.Thing.IsAttached', 'iot:Connection.Thing.ThingName', 'x'),
    oneOrList(fc.oneof(globText, fc.boolean())),
    { minKeys: 1, maxKeys: 2 },
  ),
  { minKeys: 1, maxKeys: 2 },
);
const statement = fc.record(
  {
    Sid: fc.string({ maxLength: 10 }),
    Effect: fc.constantFrom('Allow', 'Deny'),
    Action: oneOrList(action),
    Resource: oneOrList(resource),
    Condition: condition,
  },
  { requiredKeys: ['Effect', 'Action', 'Resource'] },
);
const documentArb = fc.record({ Version: fc.constant('2012-10-17'), Statement: oneOrList(statement) });

test('generated policy documents parse to their statements', () => {
  fc.assert(
    fc.property(documentArb, (doc) => {
      const text = JSON.stringify(doc);
      fc.pre(text.replace(/\s/g, '').length <= POLICY_MAX_CHARS);
      const parsed = parsePolicyDocument('p', text);
      const expected = JSON.parse(
        JSON.stringify(Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]),
      ) as unknown;
      assert.deepEqual(parsed.statements, expected);
    }),
    fuzz(300),
  );
});

const keyTokens = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"Version"',
  '"2012-10-17"',
  '"Statement"',
  '"Effect"',
  '"Allow"',
  '"Action"',
  '"iot:*"',
  '"Resource"',
  '"*"',
  '"Condition"',
  '"StringLike"',
  '"NotAction"',
  'null',
  '1',
];
test('any text (random, token soup, mutated documents) is a document or POLICY_INVALID', () => {
  const texts = fc.oneof(
    utf16String(200),
    fc.json(),
    fc.array(fc.constantFrom(...keyTokens), { maxLength: 40 }).map((t) => t.join('')),
    fc
      .tuple(documentArb, mutation)
      .map(([d, m]) => Buffer.from(applyMutation(Buffer.from(JSON.stringify(d)), m)).toString('utf8')),
  );
  fc.assert(
    fc.property(fc.oneof(fc.constant('p'), utf16String(20)), texts, (name, text) =>
      onlyTyped(() => parsePolicyDocument(name, text), isPolicyInvalid),
    ),
    fuzz(2_000),
  );
});

test('compiled random documents authorize random requests without throwing', () => {
  const ctx = fc.record({
    clientId: fc.oneof(fc.constantFrom('cam-1', ''), fc.string({ maxLength: 10 })),
    thingName: fc.option(fc.constantFrom('cam-1', 'cam-2'), { nil: undefined }),
    isAttached: fc.boolean(),
  });
  fc.assert(
    fc.property(
      documentArb,
      ctx,
      fc.array(
        fc.tuple(fc.constantFrom('iot:Connect', 'iot:Publish', 'iot:Subscribe', 'iot:Receive'), resource),
        { maxLength: 5 },
      ),
      (doc, context, requests) => {
        const text = JSON.stringify(doc);
        fc.pre(text.replace(/\s/g, '').length <= POLICY_MAX_CHARS);
        const policy = new CompiledPolicy([parsePolicyDocument('p', text)], context);
        for (const [a, r] of requests) assert.equal(typeof policy.authorize(a, r), 'boolean');
      },
    ),
    fuzz(500),
  );
});
