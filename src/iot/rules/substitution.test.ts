import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextOf } from './evaluate.js';
import { compileTemplate, renderTemplate, TEMPLATE_MAX_BYTES } from './substitution.js';
import { isCamlinkError } from '../../errors/camlink-error.js';
import type { RuleMessage } from './values.js';

function message(topic: string, payload: unknown, extra: Partial<RuleMessage> = {}): RuleMessage {
  return { topic, payload: Buffer.from(JSON.stringify(payload)), timestamp: 1579637878451, ...extra };
}

const render = (template: string, msg: RuleMessage) =>
  renderTemplate(compileTemplate(template), contextOf(msg));

test('AWS "Substitution templates" example: ${topic()}/republish', () => {
  // A rule on 'my/iot/topic' with republish topic "${topic()}/republish" publishes to my/iot/topic/republish.
  const msg = message('my/iot/topic', { deviceid: 'iot123', temp: 54.98 });
  assert.equal(render('${topic()}/republish', msg), 'my/iot/topic/republish');
});

test('functions, topic levels, payload fields and several expressions in one template', () => {
  const msg = message(
    'camlink/devices/cam-7/uploads',
    { kind: 'jpeg', n: 3, ok: true, z: null, o: { a: 1 } },
    { clientId: 'cam-7' },
  );
  assert.equal(render('camlink/devices/${topic(3)}/events', msg), 'camlink/devices/cam-7/events');
  assert.equal(render('${clientid()}', msg), 'cam-7');
  assert.equal(render('q/${kind}-${n}-${ok}-${z}-${o}', msg), 'q/jpeg-3-true-null-{"a":1}');
  assert.equal(render('http://queue/${timestamp()}', msg), 'http://queue/1579637878451');
  assert.equal(render("${kind = 'jpeg'}", msg), 'true');
});

test('Undefined renders as nothing; text without ${ is kept, including lone $ and }', () => {
  const msg = message('a/b', {});
  assert.equal(render('x/${missing}/y', msg), 'x//y');
  assert.equal(render('x/${topic(5)}', msg), 'x/');
  assert.equal(render('$price} {x} $', msg), '$price} {x} $');
  assert.equal(render('', msg), '');
  assert.equal(render('${clientid()}', msg), 'n/a');
});

test('a "}" inside a string literal does not close the expression', () => {
  assert.equal(render("${'a}b'}", message('t', {})), 'a}b');
});

test('unknown functions and syntax errors fail at load time with their position', () => {
  const fails = (template: string, expected: RegExp) =>
    assert.throws(
      () => compileTemplate(template),
      (err) => isCamlinkError(err, 'RULE_SQL_INVALID') && expected.test(err.message),
      template,
    );
  fails('devices/${nope()}/x', /^unknown function "nope" .* at line 1, column 11$/u);
  fails('devices/${topic(3)', /^expected "\}" at line 1, column 19, found end of input$/u);
  fails('devices/${}', /^expected a value, field, function call or "\(" at line 1, column 11, found \}$/u);
  fails('${topic(0)}', /topic\(n\) needs a whole number/u);
  fails('${a b}', /^expected "\}" at line 1, column 5, found "b"$/u);
  fails('x'.repeat(TEMPLATE_MAX_BYTES + 1), /^template is 2049 bytes; the limit is 2048$/u);
});
