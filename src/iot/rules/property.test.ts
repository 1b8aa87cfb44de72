import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzz } from '../../../test/helpers/fuzz.js';
import { compileSql } from './parser.js';
import { compileTemplate, renderTemplate } from './substitution.js';
import { contextOf, evaluate } from './evaluate.js';
import { matchesTopicFilter } from './topic-filter.js';
import { RulesEngine } from './engine.js';
import { CamlinkError } from '../../errors/camlink-error.js';
import { UPLOAD_RULE_SQL } from '../../contracts/upload-rule.js';

/** Runs `fn`; any exception other than a CamlinkError fails the property. */
function onlyCamlinkErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CamlinkError, `unexpected ${String(err)}`);
    assert.ok(['RULE_SQL_INVALID'].includes(err.code), err.code);
  }
}

const fragments = [
  'SELECT',
  'select',
  '*',
  ',',
  'FROM',
  "'a/+'",
  "'#'",
  "'a/#/b'",
  'WHERE',
  '(',
  ')',
  'NOT',
  'AND',
  'OR',
  '=',
  '<>',
  '!=',
  '<',
  '>=',
  'topic(',
  'topic()',
  'topic(3)',
  'clientid()',
  'timestamp()',
  'principal()',
  'nope()',
  '1',
  '-2.5',
  '1e3',
  "'x'",
  "'it''s'",
  '"dq"',
  '`k`',
  '``',
  'a',
  '.',
  'b.c',
  'AS',
  'TRUE',
  'null',
  '${',
  '}',
  '\n',
  "'",
  '`',
  '-',
  '😀',
];
const sqlLike = fc.array(fc.constantFrom(...fragments), { maxLength: 40 }).map((parts) => parts.join(' '));
const anyText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  sqlLike,
);

test('the lexer and parser throw nothing but RULE_SQL_INVALID for arbitrary text', () => {
  fc.assert(
    fc.property(anyText, (sql) => onlyCamlinkErrors(() => compileSql(sql))),
    fuzz(2000),
  );
  fc.assert(
    fc.property(anyText, (template) => onlyCamlinkErrors(() => compileTemplate(template))),
    fuzz(1000),
  );
});

/** Valid statements of the subset, built from its grammar, so evaluation sees every construct. */
const { expression } = fc.letrec<{ expression: string; primary: string }>((tie) => ({
  primary: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom("'x'", "''", "'5'", "'true'", '1', '-2.5', '0', 'TRUE', 'false', 'NULL'),
    fc.constantFrom('key', 'n', 'nested.v', 'nested.v.w', '`key`', 'missing'),
    fc.constantFrom('topic()', 'topic(1)', 'topic(9)', 'clientid()', 'timestamp()', 'principal()'),
    tie('expression').map((inner) => `(${inner})`),
  ),
  expression: fc.oneof(
    { depthSize: 'small' },
    tie('primary'),
    tie('expression').map((inner) => `NOT ${inner}`),
    fc
      .tuple(tie('primary'), fc.constantFrom('=', '<>', '!=', '<', '<=', '>', '>='), tie('primary'))
      .map(([left, op, right]) => `${left} ${op} ${right}`),
    fc
      .tuple(tie('expression'), fc.constantFrom('AND', 'OR'), tie('expression'))
      .map(([left, op, right]) => `${left} ${op} ${right}`),
  ),
}));
const validSql = fc
  .tuple(fc.array(expression, { maxLength: 4 }), fc.option(expression, { nil: undefined }))
  .map(([items, where]) => {
    const select = ['*', ...items.map((item, i) => `${item} AS o${i}`)].join(', ');
    return `SELECT ${select} FROM 'a/+'${where === undefined ? '' : ` WHERE ${where}`}`;
  });

test('grammar-built statements compile and evaluate without throwing', () => {
  fc.assert(
    fc.property(validSql, fc.jsonValue(), (sql, value) => {
      let statement;
      try {
        statement = compileSql(sql);
      } catch (err) {
        // Only the depth limit may refuse a statement built from the grammar.
        assert.ok(err instanceof CamlinkError && /nest deeper/u.test(err.message), `${sql}: ${String(err)}`);
        return;
      }
      const payload = Buffer.from(JSON.stringify({ key: value, n: value, nested: { v: value } }));
      const output = evaluate(statement, { topic: 'a/b', payload, timestamp: 0, clientId: 'c' });
      if (output !== undefined) assert.equal(typeof JSON.stringify(output), 'string');
    }),
    fuzz(2000),
  );
});

const payloads = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
  fc.json().map((json) => Buffer.from(json)),
  fc.jsonValue().map((value) => Buffer.from(JSON.stringify({ key: value, n: value, nested: { v: value } }))),
  fc.nat({ max: 5000 }).map((depth) => Buffer.from(`{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`)),
);

const statements = [
  UPLOAD_RULE_SQL,
  "SELECT *, key AS k, nested.v AS v, topic(2) AS t FROM '#' WHERE key <> '' OR n > 1 OR NOT nested.v = nested.v",
  "SELECT n FROM 'a/+' WHERE (key = TRUE AND n <= '5') OR key = NULL",
].map((sql) => compileSql(sql));
const template = compileTemplate('out/${key}/${topic(3)}/${nested.v}');

test('evaluation and templates never throw for arbitrary payload bytes', () => {
  fc.assert(
    fc.property(payloads, fc.constantFrom('camlink/devices/c/uploads', 'a/b', '$aws/x'), (payload, topic) => {
      const message = { topic, payload, timestamp: 1, clientId: 'c' };
      for (const statement of statements) {
        const output = evaluate(statement, message);
        if (output !== undefined) assert.equal(typeof JSON.stringify(output), 'string');
      }
      assert.equal(typeof renderTemplate(template, contextOf(message)), 'string');
    }),
    fuzz(1000),
  );
});

test('the engine resolves for arbitrary payloads when its sinks succeed', async () => {
  const bodies: string[] = [];
  const engine = new RulesEngine(
    [{ name: 'u', sql: UPLOAD_RULE_SQL, actions: [{ sqs: { queueUrl: 'http://q' } }] }],
    {
      queue: { sendMessage: (_url, body) => Promise.resolve(void bodies.push(body)) },
      republish: () => Promise.resolve(),
    },
  );
  await fc.assert(
    fc.asyncProperty(payloads, async (payload) => {
      const result = await engine.handle({ topic: 'camlink/devices/c/uploads', payload, timestamp: 1 });
      assert.deepEqual(result, [{ rule: 'u', actions: 1 }]);
      const body = JSON.parse(bodies.at(-1) ?? '') as { deviceId?: unknown };
      assert.equal(body.deviceId, 'c');
    }),
    fuzz(300),
  );
});

test('topic filter matching never throws', () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), (filter, topic) => void matchesTopicFilter(filter, topic)),
    fuzz(100),
  );
});
