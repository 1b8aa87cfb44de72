import { test } from 'node:test';
import assert from 'node:assert/strict';
import { templateMayMatchFilter } from './loop-check.js';
import { compileTemplate } from './substitution.js';

const may = (template: string, filter: string) => templateMayMatchFilter(compileTemplate(template), filter);

test('literal topics: the same as matchesTopicFilter', () => {
  assert.equal(may('a/b', 'a/b'), true);
  assert.equal(may('a/b', 'a/c'), false);
  assert.equal(may('a/b/c', 'a/+/c'), true);
  assert.equal(may('a/b/c', 'a/+'), false);
  assert.equal(may('a', 'a/#'), true);
  assert.equal(may('a/b/c', 'a/#'), true);
  assert.equal(may('ab', 'a/#'), false);
  assert.equal(may('x', '#'), true);
  assert.equal(may('a/', 'a/+'), true);
});

test('substitutions may produce any text, including more levels', () => {
  assert.equal(may('camlink/devices/${topic(3)}/uploads', 'camlink/devices/+/uploads'), true);
  assert.equal(may('camlink/devices/${topic(3)}/events', 'camlink/devices/+/uploads'), false);
  assert.equal(may('${topic()}/republish', 'my/iot/topic'), false);
  assert.equal(may('${topic()}/republish', 'my/#'), true);
  assert.equal(may('${topic()}/republish', '+/+/+/republish'), true);
  assert.equal(may('out/${clientid()}', 'in/+'), false);
  assert.equal(may('${clientid()}', 'in/+'), true);
  assert.equal(may('a${x}c', 'abc'), true);
  assert.equal(may('a${x}c', 'a/c'), true);
  assert.equal(may('a${x}c', 'a/b/d'), false);
});
