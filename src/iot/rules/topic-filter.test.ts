import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesTopicFilter, topicFilterProblem, topicNameProblem } from './topic-filter.js';

// [filter, topic, matches]; the first groups are the examples of MQTT 3.1.1 sections 4.7.1.2, 4.7.1.3 and 4.7.2.
const vectors: [string, string, boolean][] = [
  ['sport/tennis/player1/#', 'sport/tennis/player1', true],
  ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
  ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true],
  ['sport/#', 'sport', true],
  ['sport/tennis/+', 'sport/tennis/player1', true],
  ['sport/tennis/+', 'sport/tennis/player2', true],
  ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
  ['sport/+', 'sport', false],
  ['sport/+', 'sport/', true],
  ['+/+', '/finance', true],
  ['/+', '/finance', true],
  ['+', '/finance', false],
  ['#', '$SYS/monitor/Clients', false], // [MQTT-4.7.2-1]
  ['+/monitor/Clients', '$SYS/monitor/Clients', false], // [MQTT-4.7.2-1]
  ['$SYS/#', '$SYS/monitor/Clients', true],
  ['$SYS/monitor/+', '$SYS/monitor/Clients', true],
  ['#', 'a', true],
  ['#', '/', true],
  ['a/b', 'a/b', true],
  ['a/b', 'A/b', false], // case-sensitive
  ['a/b', 'a/b/', false], // a trailing empty level counts
  ['a//b', 'a//b', true],
  ['a/+/b', 'a//b', true], // '+' matches an empty level
  ['camlink/devices/+/uploads', 'camlink/devices/cam-1/uploads', true],
  ['camlink/devices/+/uploads', 'camlink/devices/cam-1/events', false],
  ['camlink/devices/+/uploads', 'camlink/devices/uploads', false],
];

test('topic filter matching follows the MQTT 3.1.1 section 4.7 vectors', () => {
  for (const [filter, topic, expected] of vectors) {
    assert.equal(matchesTopicFilter(filter, topic), expected, `${filter} vs ${topic}`);
  }
});

test('valid filters have no problem', () => {
  for (const filter of ['+', '#', '+/tennis/#', 'sport/+/player1', '/', 'a//b', '$aws/rules/x/#']) {
    assert.equal(topicFilterProblem(filter), undefined, filter);
  }
});

test('wildcards that are not whole levels, or # not last, are problems [MQTT-4.7.1-2] [MQTT-4.7.1-3]', () => {
  for (const filter of ['sport/tennis#', 'sport/tennis/#/ranking', 'sport+', '#/a', 'a/+b', '##']) {
    assert.match(topicFilterProblem(filter) ?? '', /must be a whole level/u, filter);
  }
});

test('empty, null characters, more than 256 bytes or 8 levels are problems', () => {
  assert.match(topicFilterProblem('') ?? '', /empty/u);
  assert.match(topicFilterProblem('a\u0000b') ?? '', /null character/u);
  assert.match(topicFilterProblem('a'.repeat(257)) ?? '', /257 bytes/u);
  assert.equal(topicFilterProblem('é'.repeat(128)), undefined); // 256 bytes
  assert.match(topicFilterProblem('é'.repeat(129)) ?? '', /258 bytes/u);
  assert.equal(topicFilterProblem('1/2/3/4/5/6/7/8'), undefined);
  assert.match(topicFilterProblem('1/2/3/4/5/6/7/8/9') ?? '', /9 levels/u);
});

test('topic names must not contain wildcards [MQTT-3.3.2-2]', () => {
  assert.equal(topicNameProblem('camlink/devices/cam-1/events'), undefined);
  assert.match(topicNameProblem('a/+') ?? '', /wildcard/u);
  assert.match(topicNameProblem('a/#') ?? '', /wildcard/u);
  assert.match(topicNameProblem('') ?? '', /empty/u);
});
