/**
 * The device policy contract: a certificate connects as its thing only while it is attached to that
 * thing (iot:Connection.Thing.IsAttached), and the rendered document stays under AWS's 2,048
 * characters in the longest partition.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iotArn, renderPolicyTemplate, type ArnScope } from '../iot/policy/arn.js';
import { POLICY_MAX_CHARS } from '../iot/policy/document.js';
import { CompiledPolicy } from '../iot/policy/evaluate.js';
import { devicePolicy, devicePolicyTemplate } from './device-policy.js';

const scope: ArnScope = { partition: 'aws-cn', region: 'cn-northwest-1', account: '123456789012' };

test('iot:Connect requires the certificate to be attached to the thing it connects as', () => {
  const connect = (isAttached: boolean) =>
    new CompiledPolicy([devicePolicy(scope)], {
      clientId: 'cam-1',
      thingName: 'cam-1',
      isAttached,
    }).authorize('iot:Connect', iotArn(scope, 'client', 'cam-1'));
  assert.equal(connect(true), true);
  assert.equal(connect(false), false);
  const statement = devicePolicy(scope).statements.find((s) => s.Action === 'iot:Connect');
  assert.deepEqual(statement?.Condition, { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } });
});

test('the rendered device policy is under 2,048 characters without whitespace', () => {
  const size = renderPolicyTemplate(devicePolicyTemplate, scope).replace(/\s/g, '').length;
  assert.ok(size <= POLICY_MAX_CHARS, `${size} characters`);
});
