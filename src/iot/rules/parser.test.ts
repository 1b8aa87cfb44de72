import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSql, EXPRESSION_MAX_DEPTH, parseEmbeddedExpression, SQL_MAX_BYTES } from './parser.js';
import { isCamlinkError } from '../../errors/camlink-error.js';
import { UPLOAD_RULE_SQL } from '../../contracts/upload-rule.js';

function sqlError(sql: string): string {
  let message = '';
  assert.throws(
    () => compileSql(sql),
    (err) => {
      assert.ok(isCamlinkError(err, 'RULE_SQL_INVALID'), `${sql}: ${String(err)}`);
      message = err.message;
      return true;
    },
  );
  return message;
}

test('the upload rule compiles to *, three aliased functions and its filter', () => {
  assert.deepEqual(compileSql(UPLOAD_RULE_SQL), {
    select: [
      { kind: 'all' },
      {
        kind: 'expression',
        name: 'deviceId',
        expression: { kind: 'call', name: 'topic', args: [{ kind: 'literal', value: 3 }] },
      },
      { kind: 'expression', name: 'clientId', expression: { kind: 'call', name: 'clientid', args: [] } },
      { kind: 'expression', name: 'receivedAt', expression: { kind: 'call', name: 'timestamp', args: [] } },
    ],
    from: 'camlink/devices/+/uploads',
    where: undefined,
  });
});

test('fields name their output key by the last path element; AS renames', () => {
  const { select } = compileSql("select a, b.c.d, e as f, `my-key`, `g`.h AS `out key` from 'x'");
  assert.deepEqual(
    select.map((item) => (item.kind === 'all' ? '*' : item.name)),
    ['a', 'd', 'f', 'my-key', 'out key'],
  );
  assert.deepEqual(select[1], {
    kind: 'expression',
    name: 'd',
    expression: { kind: 'field', path: ['b', 'c', 'd'] },
  });
});

test('literals: strings, numbers, booleans and null', () => {
  const { select } = compileSql("SELECT 'it''s' AS s, -1.5 AS n, TRUE AS t, false AS f, NULL AS z FROM 'x'");
  assert.deepEqual(
    select.map((item) =>
      item.kind === 'expression' && item.expression.kind === 'literal' ? item.expression.value : '?',
    ),
    ["it's", -1.5, true, false, null],
  );
});

test('WHERE precedence: NOT binds tighter than AND, AND tighter than OR', () => {
  const { where } = compileSql("SELECT * FROM 'x' WHERE NOT a = 1 AND b > 2 OR c <> 'x' AND d != true");
  assert.deepEqual(where, {
    kind: 'or',
    left: {
      kind: 'and',
      left: {
        kind: 'not',
        operand: {
          kind: 'compare',
          op: '=',
          left: { kind: 'field', path: ['a'] },
          right: { kind: 'literal', value: 1 },
        },
      },
      right: {
        kind: 'compare',
        op: '>',
        left: { kind: 'field', path: ['b'] },
        right: { kind: 'literal', value: 2 },
      },
    },
    right: {
      kind: 'and',
      left: {
        kind: 'compare',
        op: '<>',
        left: { kind: 'field', path: ['c'] },
        right: { kind: 'literal', value: 'x' },
      },
      right: {
        kind: 'compare',
        op: '<>',
        left: { kind: 'field', path: ['d'] },
        right: { kind: 'literal', value: true },
      },
    },
  });
});

test('parentheses group; functions may be compared', () => {
  const { where } = compileSql("SELECT * FROM '#' WHERE (a = 1 OR b = 2) AND topic(1) = 'cams'");
  assert.equal(where?.kind, 'and');
  assert.equal(where.kind === 'and' ? where.left.kind : '', 'or');
});

test('function names are case-insensitive', () => {
  const { select } = compileSql("SELECT TOPIC(2) AS t, ClientId() AS c, Principal() AS p FROM 'a/b'");
  assert.deepEqual(
    select.map((item) =>
      item.kind === 'expression' && item.expression.kind === 'call' ? item.expression.name : '?',
    ),
    ['topic', 'clientid', 'principal'],
  );
});

test('syntax errors say what was expected and where', () => {
  assert.equal(
    sqlError("SELECT *, topic(3) FORM 'a'"),
    'expected AS <name> after an expression that is not a field at line 1, column 11',
  );
  assert.equal(sqlError("SELECT a FORM 'a'"), 'expected FROM or "," at line 1, column 10, found "FORM"');
  assert.equal(sqlError("SELECT a, b 'a'"), "expected FROM at line 1, column 13, found string 'a'");
  assert.equal(sqlError(''), 'expected SELECT at line 1, column 1, found end of input');
  assert.equal(
    sqlError('SELECT * FROM cams/+'),
    'expected the topic filter in single quotes at line 1, column 15, found "cams"',
  );
  assert.equal(
    sqlError('SELECT * FROM "cams/+"'),
    'expected the topic filter in single quotes at line 1, column 15, found string "cams/+"',
  );
  assert.equal(
    sqlError("SELECT * FROM 'a'\nWHERE"),
    'expected a value, field, function call or "(" at line 2, column 6, found end of input',
  );
  assert.equal(
    sqlError("SELECT * FROM 'a' WHERE (a = 1"),
    'expected ")" at line 1, column 31, found end of input',
  );
  assert.equal(
    sqlError("SELECT * FROM 'a' WHERE a = 1 = 2"),
    'expected end of input at line 1, column 31, found =',
  );
  assert.equal(
    sqlError("SELECT * FROM 'a' b"),
    'expected WHERE or end of input at line 1, column 19, found "b"',
  );
  assert.equal(
    sqlError("SELECT a AS FROM 'a'"),
    'expected an output name after AS at line 1, column 13, found FROM',
  );
  assert.equal(
    sqlError("SELECT a. FROM 'a'"),
    'expected a field name after "." at line 1, column 11, found FROM',
  );
  assert.equal(
    sqlError("SELECT from FROM 'a'"),
    'expected a value, field, function call or "(" at line 1, column 8, found FROM',
  );
});

test('unknown functions, wrong arity and bad topic() levels fail at compile time', () => {
  assert.equal(
    sqlError("SELECT upper(a) AS u FROM 'a'"),
    'unknown function "upper" (supported: clientid, principal, timestamp, topic) at line 1, column 8',
  );
  assert.equal(
    sqlError("SELECT clientid(1) AS c FROM 'a'"),
    'clientid() takes 0 arguments, not 1 at line 1, column 8',
  );
  assert.equal(
    sqlError("SELECT topic(1, 2) AS c FROM 'a'"),
    'topic() takes 0 to 1 argument, not 2 at line 1, column 8',
  );
  assert.equal(
    sqlError("SELECT topic(0) AS c FROM 'a'"),
    'topic(n) needs a whole number n of 1 or more at line 1, column 8',
  );
  assert.equal(
    sqlError("SELECT topic('x') AS c FROM 'a'"),
    'topic(n) needs a whole number n of 1 or more at line 1, column 8',
  );
});

test('the FROM filter is validated as an MQTT topic filter', () => {
  assert.equal(
    sqlError("SELECT * FROM 'a/#/b'"),
    'invalid topic filter: "#" must be a whole level and the last one (level 2 is "#") at line 1, column 15',
  );
  assert.equal(
    sqlError("SELECT * FROM 'a+'"),
    'invalid topic filter: "+" must be a whole level (level 1 is "a+") at line 1, column 15',
  );
  assert.equal(
    sqlError("SELECT * FROM ''"),
    'invalid topic filter: topic filter is empty at line 1, column 15',
  );
});

test('statements over the size limit and expressions nested too deep are refused', () => {
  const long = `SELECT * FROM 'a' WHERE b = '${'x'.repeat(SQL_MAX_BYTES)}'`;
  assert.equal(
    sqlError(long),
    `SQL statement is ${Buffer.byteLength(long)} bytes; the limit is ${SQL_MAX_BYTES}`,
  );
  const deep = `SELECT * FROM 'a' WHERE ${'('.repeat(EXPRESSION_MAX_DEPTH + 1)}a${')'.repeat(EXPRESSION_MAX_DEPTH + 1)} = 1`;
  assert.match(sqlError(deep), /^expressions nest deeper than 32 levels at line 1, column 57$/u);
  const nots = `SELECT * FROM 'a' WHERE ${'NOT '.repeat(EXPRESSION_MAX_DEPTH + 1)}a`;
  assert.match(sqlError(nots), /nest deeper/u);
  const ok = `SELECT * FROM 'a' WHERE ${'('.repeat(EXPRESSION_MAX_DEPTH)}a${')'.repeat(EXPRESSION_MAX_DEPTH)} = 1`;
  assert.equal(compileSql(ok).from, 'a');
});

test('an embedded expression ends at its closing brace', () => {
  const source = 'camlink/${topic(3)}/events';
  const { expression, end } = parseEmbeddedExpression(source, 'camlink/${'.length);
  assert.deepEqual(expression, { kind: 'call', name: 'topic', args: [{ kind: 'literal', value: 3 }] });
  assert.equal(source.slice(end), '/events');
  assert.throws(
    () => parseEmbeddedExpression('${a', 2),
    /expected "\}" at line 1, column 4, found end of input/u,
  );
});
