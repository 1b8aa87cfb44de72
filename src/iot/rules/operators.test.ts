import { test } from 'node:test';
import assert from 'node:assert/strict';
import { and, compare, not, or, toBoolean } from './operators.js';

test('= and <> follow the AWS operator tables', () => {
  assert.equal(compare('=', { a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 }), true); // key order is unimportant
  assert.equal(compare('=', [1, 2], [2, 1]), false); // array order matters
  assert.equal(compare('=', { a: 1 }, { a: 1, b: 2 }), false);
  assert.equal(compare('=', 1, '1'), false); // mismatched type
  assert.equal(compare('<>', 1, '1'), true);
  assert.equal(compare('=', null, null), true);
  assert.equal(compare('<>', null, null), false); // Null <> Null is false
  assert.equal(compare('=', undefined, 1), undefined);
  assert.equal(compare('<>', 1, undefined), undefined);
});

test('ordering converts numbers and decimal strings, anything else is Undefined', () => {
  assert.equal(compare('<', '1.5', 2), true);
  assert.equal(compare('>=', ' 10 ', '9.99'), true);
  assert.equal(compare('>', '-1e2', -101), true);
  assert.equal(compare('<', 'abc', 'abd'), undefined);
  assert.equal(compare('<', true, 1), undefined);
  assert.equal(compare('<', null, 1), undefined);
  assert.equal(compare('<', '', 1), undefined);
});

test('AND, OR and NOT take booleans or "true"/"false" strings, else Undefined', () => {
  assert.equal(toBoolean('False'), false);
  assert.equal(toBoolean('yes'), undefined);
  assert.equal(and(true, 'TRUE'), true);
  assert.equal(and(false, 1), undefined);
  assert.equal(or(true, undefined), undefined);
  assert.equal(or('false', false), false);
  assert.equal(not('true'), false);
  assert.equal(not(null), undefined);
});
