import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lexer, positionOf, type Token } from './lexer.js';
import { isCamlinkError } from '../../errors/camlink-error.js';

type Bare<T> = T extends unknown ? Omit<T, 'offset' | 'end'> : never;

function lex(source: string): Bare<Token>[] {
  const lexer = new Lexer(source);
  const tokens: Bare<Token>[] = [];
  for (;;) {
    const token: Partial<Token> = { ...lexer.next() };
    delete token.offset;
    delete token.end;
    tokens.push(token as Bare<Token>);
    if (token.kind === 'eof') return tokens;
  }
}

function lexError(source: string): string {
  let message = '';
  assert.throws(
    () => lex(source),
    (err) => {
      assert.ok(isCamlinkError(err, 'RULE_SQL_INVALID'), String(err));
      message = err.message;
      return true;
    },
  );
  return message;
}

test('keywords are case-insensitive and stored upper case; identifiers keep their case', () => {
  assert.deepEqual(lex('select Color fRoM'), [
    { kind: 'keyword', value: 'SELECT' },
    { kind: 'identifier', value: 'Color', quoted: false },
    { kind: 'keyword', value: 'FROM' },
    { kind: 'eof' },
  ]);
});

test('strings in single or double quotes, with a doubled quote as escape', () => {
  assert.deepEqual(lex(`'it''s' "say ""hi""" ''`), [
    { kind: 'string', value: "it's", quote: "'" },
    { kind: 'string', value: 'say "hi"', quote: '"' },
    { kind: 'string', value: '', quote: "'" },
    { kind: 'eof' },
  ]);
});

test('numbers: integers, decimals, negatives and exponents', () => {
  assert.deepEqual(
    lex('0 42 -5 3.25 -0.5 1e3 2E-2').map((t) => (t.kind === 'number' ? t.value : t.kind)),
    [0, 42, -5, 3.25, -0.5, 1000, 0.02, 'eof'],
  );
});

test('backtick identifiers hold any character and may be keywords', () => {
  assert.deepEqual(lex('`my-key` `from` `a``b`'), [
    { kind: 'identifier', value: 'my-key', quoted: true },
    { kind: 'identifier', value: 'from', quoted: true },
    { kind: 'identifier', value: 'a`b', quoted: true },
    { kind: 'eof' },
  ]);
});

test('operators and punctuation, longest match first', () => {
  assert.deepEqual(
    lex('= <> != < <= > >= * , ( ) . }').map((t) => (t.kind === 'punct' ? t.value : t.kind)),
    ['=', '<>', '!=', '<', '<=', '>', '>=', '*', ',', '(', ')', '.', '}', 'eof'],
  );
});

test('errors carry the 1-based line and column', () => {
  assert.equal(lexError("SELECT 'abc"), 'unterminated string at line 1, column 8');
  assert.equal(lexError('SELECT\n  a ; b'), 'unexpected character ";" at line 2, column 5');
  assert.equal(lexError('SELECT `x'), 'unterminated quoted identifier at line 1, column 8');
  assert.equal(lexError('``'), 'empty quoted identifier at line 1, column 1');
  assert.equal(lexError('a -- comment'), 'unexpected character "-" at line 1, column 3');
  assert.equal(lexError('1e999'), 'number 1e999 is out of range at line 1, column 1');
});

test('columns count code points, not UTF-16 units', () => {
  assert.deepEqual(positionOf('é😀x', 3), { line: 1, column: 3 });
  assert.deepEqual(positionOf('a\nb\ncd', 6), { line: 3, column: 3 });
});
