import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextOf, evaluate } from './evaluate.js';
import { compileSql } from './parser.js';
import { UPLOAD_RULE_SQL } from '../../contracts/upload-rule.js';
import type { RuleMessage } from './values.js';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);

function message(topic: string, payload: unknown, extra: Partial<RuleMessage> = {}): RuleMessage {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
  return { topic, payload: bytes, timestamp: T0, ...extra };
}

const run = (sql: string, msg: RuleMessage) => evaluate(compileSql(sql), msg);

test('AWS "SELECT clause" examples', () => {
  // Incoming payload published on topic 'topic/subtopic': {"color":"red", "temperature":50}
  const msg = message('topic/subtopic', { color: 'red', temperature: 50 });
  // SQL statement: SELECT * FROM 'topic/subtopic' -> Outgoing payload: {"color":"red", "temperature":50}
  assert.deepEqual(run("SELECT * FROM 'topic/subtopic'", msg), { color: 'red', temperature: 50 });
  // SQL statement: SELECT color FROM 'topic/subtopic' -> Outgoing payload: {"color":"red"}
  assert.deepEqual(run("SELECT color FROM 'topic/subtopic'", msg), { color: 'red' });
  // SQL: SELECT color AS my_color FROM 'topic/subtopic' -> Outgoing payload: {"my_color":"red"}
  assert.deepEqual(run("SELECT color AS my_color FROM 'topic/subtopic'", msg), { my_color: 'red' });
  // SQL: SELECT color as my_color, temperature as fahrenheit FROM 'topic/subtopic'
  // -> Outgoing payload: {"my_color":"red","fahrenheit":50}
  assert.deepEqual(run("SELECT color as my_color, temperature as fahrenheit FROM 'topic/subtopic'", msg), {
    my_color: 'red',
    fahrenheit: 50,
  });
  // SQL: SELECT *, 15 as speed FROM 'topic/subtopic' -> {"color":"red", "temperature":50, "speed":15}
  assert.deepEqual(run("SELECT *, 15 as speed FROM 'topic/subtopic'", msg), {
    color: 'red',
    temperature: 50,
    speed: 15,
  });
  // {"color":{"red":255,"green":0,"blue":0}, "temperature":50}
  // SQL: SELECT color.red as red_value FROM 'topic/subtopic' -> Outgoing payload: {"red_value":255}
  const nested = message('topic/subtopic', { color: { red: 255, green: 0, blue: 0 }, temperature: 50 });
  assert.deepEqual(run("SELECT color.red as red_value FROM 'topic/subtopic'", nested), { red_value: 255 });
});

test('AWS "AWS IoT SQL reference" example: WHERE temperature > 50', () => {
  // SELECT color AS rgb FROM 'topic/subtopic' WHERE temperature > 50
  // input { "color":"red", "temperature":100 } -> output { "rgb":"red" }
  const sql = "SELECT color AS rgb FROM 'topic/subtopic' WHERE temperature > 50";
  assert.deepEqual(run(sql, message('topic/subtopic', { color: 'red', temperature: 100 })), { rgb: 'red' });
  assert.equal(run(sql, message('topic/subtopic', { color: 'red', temperature: 50 })), undefined);
  assert.equal(run(sql, message('topic/subtopic', { color: 'red' })), undefined); // Undefined > 50
});

test('AWS "Data types" example: null is a value, a missing key is Undefined and left out', () => {
  // in the object {"foo": null}, the key "foo" returns NULL, but the key "bar" returns Undefined;
  // {"foo":null, "bar":undefined} is serialized to JSON as {"foo":null}
  const msg = message('a', { foo: null });
  assert.deepEqual(run("SELECT foo, bar FROM 'a'", msg), { foo: null });
  assert.deepEqual(run("SELECT NULL AS n FROM 'a'", msg), { n: null });
});

test('AWS functions: topic(), topic(n), clientid(), timestamp(), principal()', () => {
  // topic() = "things/myThings/thingOne"; topic(1) = "things"
  const sql =
    "SELECT topic() AS t, topic(1) AS t1, topic(3) AS t3, topic(4) AS t4, clientid() AS c, timestamp() AS ts, principal() AS p FROM 'things/#'";
  const msg = message('things/myThings/thingOne', {});
  // clientid(): "n/a" when the message did not come with a client id; principal() is Undefined then.
  assert.deepEqual(run(sql, msg), {
    t: 'things/myThings/thingOne',
    t1: 'things',
    t3: 'thingOne',
    c: 'n/a',
    ts: T0,
  });
  const withIds = message('things/myThings/thingOne', {}, { clientId: 'cam-1', principal: 'ab12' });
  assert.deepEqual(run("SELECT clientid() AS c, principal() AS p FROM 'things/#'", withIds), {
    c: 'cam-1',
    p: 'ab12',
  });
});

test('the upload rule enriches an announcement with device id, client id and receive time', () => {
  const msg = message(
    'camlink/devices/cam-7/uploads',
    { key: 'cam-7/DSC_0001.JPG', size: 1234 },
    { clientId: 'cam-7' },
  );
  assert.deepEqual(evaluate(compileSql(UPLOAD_RULE_SQL), msg), {
    key: 'cam-7/DSC_0001.JPG',
    size: 1234,
    deviceId: 'cam-7',
    clientId: 'cam-7',
    receivedAt: T0,
  });
  assert.equal(evaluate(compileSql(UPLOAD_RULE_SQL), message('camlink/devices/cam-7/events', {})), undefined);
});

test("the upload example of the peers reference: WHERE key <> ''", () => {
  const sql =
    "SELECT *, topic(2) AS deviceId, clientid() AS clientId, timestamp() AS receivedAt FROM 'cameras/+/uploads' WHERE key <> ''";
  assert.deepEqual(run(sql, message('cameras/c1/uploads', { key: 'k' }, { clientId: 'c1' })), {
    key: 'k',
    deviceId: 'c1',
    clientId: 'c1',
    receivedAt: T0,
  });
  assert.equal(run(sql, message('cameras/c1/uploads', { key: '' })), undefined);
  assert.equal(run(sql, message('cameras/c1/uploads', {})), undefined);
});

test('aliases after * override payload keys; an Undefined alias removes the key', () => {
  const msg = message('a', { deviceId: 'spoofed', x: 1 });
  assert.deepEqual(run("SELECT *, topic(1) AS deviceId FROM 'a'", msg), { deviceId: 'a', x: 1 });
  assert.deepEqual(run("SELECT *, missing AS x FROM 'a'", msg), { deviceId: 'spoofed' });
});

test('non-JSON payloads: fields are Undefined and * gives no keys', () => {
  const sql = "SELECT *, topic() AS t, raw AS r FROM 'bin'";
  for (const payload of [
    Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
    Buffer.from('not json'),
    Buffer.from('[1,2]'),
    Buffer.from('"s"'),
    Buffer.alloc(0),
  ]) {
    assert.deepEqual(run(sql, message('bin', payload)), { t: 'bin' });
  }
  assert.equal(run("SELECT * FROM 'bin' WHERE raw = 1", message('bin', Buffer.from('x'))), undefined);
  const deep = Buffer.from(`{"a":${'['.repeat(200)}${']'.repeat(200)}}`);
  assert.deepEqual(run("SELECT * FROM 'bin'", message('bin', deep)), {});
});

test('keys such as __proto__ stay plain data', () => {
  const out = run(
    "SELECT *, 1 AS `__proto__` FROM 'a'",
    message('a', Buffer.from('{"__proto__":{"polluted":true}}')),
  );
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.equal(JSON.stringify(out), '{"__proto__":1}');
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('WHERE semantics: comparisons, AND/OR/NOT and Undefined', () => {
  const msg = message('a', {
    n: 5,
    s: 'abc',
    num: '7.5',
    b: true,
    bs: 'TRUE',
    z: null,
    arr: [1, 'x'],
    obj: { p: 1, q: [2] },
  });
  const where = (condition: string) => run(`SELECT * FROM 'a' WHERE ${condition}`, msg) !== undefined;
  const cases: [string, boolean][] = [
    ['n = 5', true],
    ['n = 5.0', true],
    ['n <> 5', false],
    ['n != 4', true],
    ['n < 6 AND n <= 5 AND n > 4 AND n >= 5', true],
    ["s = 'abc'", true],
    ["s = 'ABC'", false],
    ["n = '5'", false], // mismatched types are unequal
    ["n <> '5'", true], // and <> is true for them
    ['num > 7', true], // strings that read as a decimal are converted for < <= > >=
    ["s > 'abb'", false], // other strings make the result Undefined
    ["NOT s > 'abb'", false], // NOT Undefined is Undefined
    ['b = true', true],
    ['b', true],
    ['bs', true], // the string "TRUE" is a boolean for WHERE, AND, OR, NOT
    ['NOT bs', false],
    ['bs AND b', true],
    ['z = NULL', true],
    ['z <> NULL', false],
    ['missing = 1', false],
    ['missing <> 1', false],
    ['NOT missing = 1', false],
    ['missing = 1 OR n = 5', false], // Undefined OR true is Undefined (AWS: "Other Value")
    ['n = 5 OR n = 6', true],
    ['n = 4 OR n = 6', false],
    ['NOT n = 4', true],
    ['NOT NOT n = 5', true],
    ["(n = 4 OR n = 5) AND s = 'abc'", true],
    ["n = 4 OR n = 5 AND s = 'x'", false],
    ["n = 5 OR n = 4 AND s = 'x'", true], // AND before OR
    ['obj = obj', true],
    ['obj.q = obj.q', true],
    ['arr = arr', true],
    ['arr = obj', false],
    ['n', false], // a number is not a boolean
    ["topic() = 'a'", true],
  ];
  for (const [condition, expected] of cases) assert.equal(where(condition), expected, condition);
});

test('a topic outside FROM gives no output, whatever the payload', () => {
  assert.equal(run("SELECT * FROM 'a/+'", message('b/c', { x: 1 })), undefined);
  assert.equal(run("SELECT * FROM '#'", message('$aws/things/t/shadow/update', { x: 1 })), undefined);
});

test('the payload document is decoded once per message and shared by every read', () => {
  const context = contextOf({ topic: 'x', payload: Buffer.from('{"a":{"b":1}}'), timestamp: 0 });
  const first = context.document;
  assert.deepEqual(first, { a: { b: 1 } });
  assert.equal(context.document, first);
});
