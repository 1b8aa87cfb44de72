import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertDeviceId, THING_NAME_MAX_LENGTH } from './device-id.js';
import { isCamlinkError } from '../errors/camlink-error.js';

const rejects = (id: string, pattern?: RegExp) =>
  assert.throws(
    () => assertDeviceId(id, pattern),
    (err) => isCamlinkError(err, 'DEVICE_ID_INVALID'),
    `expected "${id.slice(0, 20)}" to be rejected`,
  );

test('thing names with letters, digits, colon, underscore and dash are accepted', () => {
  for (const id of ['cam-001', 'a', 'CAM_42:front', 'x'.repeat(THING_NAME_MAX_LENGTH)]) assertDeviceId(id);
});

test('MQTT wildcards, the level separator and other characters are rejected', () => {
  for (const id of ['cam+1', 'cam#', 'cam/1', '+', '#', 'cam 1', 'cam.1', 'caméra', 'cam\u0000', '$aws'])
    rejects(id);
});

test('ids over 128 characters and empty ids are rejected', () => {
  rejects('x'.repeat(THING_NAME_MAX_LENGTH + 1));
  rejects('');
});

test('the operator pattern narrows the thing-name rule', () => {
  const pattern = /^cam-[0-9a-f]{4}$/u;
  assertDeviceId('cam-00ff', pattern);
  rejects('cam-zzzz', pattern);
});
