import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzz } from '../../../test/helpers/fuzz.js';
import { compileGlob, matchGlob } from './glob.js';

const m = (pattern: string, subject: string, vars: Record<string, string> = {}) =>
  matchGlob(compileGlob(pattern), subject, (n) => vars[n] ?? '');

test('star, question mark and backtracking', () => {
  assert.equal(m('*', ''), true);
  assert.equal(m('a*b*c', 'aXbYbZc'), true);
  assert.equal(m('a*b*c', 'aXbYbZ'), false);
  assert.equal(m('a?c', 'abc'), true);
  assert.equal(m('a?c', 'ac'), false);
  assert.equal(m('topic/*/x', 'topic/a/b/x'), true);
  assert.equal(m('topic/*', 'topic/'), true);
  assert.equal(m('abc', 'abcd'), false);
  assert.equal(m('*abc', 'ababc'), true);
});

test('variables are literal text', () => {
  assert.equal(m('my/${v}/t', 'my/a*/t', { v: 'a*' }), true);
  assert.equal(m('my/${v}/t', 'my/ab/t', { v: 'a*' }), false);
  assert.equal(m('my/${v}/*', 'my/x/y/z', { v: 'x' }), true);
});

test('agrees with a regular-expression reference on random patterns (property)', () => {
  const alphabet = fc.constantFrom('a', 'b', '/', '*', '?');
  fc.assert(
    fc.property(
      fc.string({ unit: alphabet, maxLength: 8 }),
      fc.string({ unit: fc.constantFrom('a', 'b', '/'), maxLength: 10 }),
      (pattern, subject) => {
        const reference = new RegExp(
          `^${pattern.replace(/[/]/g, '\\/').replace(/\*/g, '.*').replace(/\?/g, '.')}$`,
          's',
        );
        return m(pattern, subject) === reference.test(subject);
      },
    ),
    fuzz(2000),
  );
});
