import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCamlinkError } from '../../errors/camlink-error.js';
import { devicePolicy } from '../../contracts/device-policy.js';
import { parsePolicyDocument } from './document.js';
import { CompiledPolicy } from './evaluate.js';
import { iotArn, type ArnScope } from './arn.js';

const scope: ArnScope = { partition: 'aws', region: 'us-east-1', account: '123456789012' };
const arn = (type: 'client' | 'topic' | 'topicfilter', name: string) => iotArn(scope, type, name);
const device = (id: string, clientId = id) =>
  new CompiledPolicy([devicePolicy(scope)], { clientId, thingName: id, isAttached: true });

test('the device policy lets a device act only under its own prefix', () => {
  const p = device('cam-1');
  assert.equal(p.authorize('iot:Connect', arn('client', 'cam-1')), true);
  assert.equal(p.authorize('iot:Connect', arn('client', 'cam-2')), false);
  assert.equal(p.authorize('iot:Publish', arn('topic', 'camlink/devices/cam-1/uploads')), true);
  assert.equal(p.authorize('iot:Publish', arn('topic', 'camlink/devices/cam-1/upload-url/request')), true);
  assert.equal(p.authorize('iot:Publish', arn('topic', 'camlink/devices/cam-1/commands')), false);
  assert.equal(p.authorize('iot:Publish', arn('topic', 'camlink/devices/cam-2/uploads')), false);
  assert.equal(p.authorize('iot:Publish', arn('topic', 'camlink/devices/cam-10/uploads')), false);
  assert.equal(p.authorize('iot:Subscribe', arn('topicfilter', 'camlink/devices/cam-1/commands')), true);
  assert.equal(p.authorize('iot:Subscribe', arn('topicfilter', 'camlink/devices/cam-1/#')), true);
  assert.equal(p.authorize('iot:Subscribe', arn('topicfilter', 'camlink/devices/+/commands')), false);
  assert.equal(p.authorize('iot:Subscribe', arn('topicfilter', '#')), false);
  assert.equal(p.authorize('iot:Subscribe', arn('topicfilter', 'camlink/devices/cam-2/commands')), false);
  assert.equal(p.authorize('iot:Receive', arn('topic', 'camlink/devices/cam-1/commands')), true);
  assert.equal(p.authorize('iot:Receive', arn('topic', 'camlink/devices/cam-2/commands')), false);
  assert.equal(
    p.authorize('iot:Publish', arn('topic', 'camlink/devices/cam-1/uploads').replace(':aws:', ':aws-cn:')),
    false,
  );
});

test('thing variables resolve only when the client id is the thing name', () => {
  const spoof = device('cam-1', 'cam-2');
  assert.equal(spoof.authorize('iot:Connect', arn('client', 'cam-2')), false);
  assert.equal(spoof.authorize('iot:Publish', arn('topic', 'camlink/devices/cam-1/uploads')), false);
});

const doc = (statements: unknown) =>
  parsePolicyDocument('test', JSON.stringify({ Version: '2012-10-17', Statement: statements }));

test('explicit Deny wins over Allow; no Allow means deny', () => {
  const p = new CompiledPolicy(
    [
      doc([
        { Effect: 'Allow', Action: 'iot:*', Resource: '*' },
        { Effect: 'Deny', Action: 'iot:Publish', Resource: arn('topic', 'secret/*') },
      ]),
    ],
    { clientId: 'c' },
  );
  assert.equal(p.authorize('iot:Publish', arn('topic', 'public/x')), true);
  assert.equal(p.authorize('iot:Publish', arn('topic', 'secret/x/y')), false);
  assert.equal(p.authorize('iot:Subscribe', arn('topicfilter', 'secret/x')), true);
  assert.equal(new CompiledPolicy([], { clientId: 'c' }).authorize('iot:Connect', arn('client', 'c')), false);
});

test('? matches exactly one character, actions are case-insensitive, MQTT wildcards are literal', () => {
  const p = new CompiledPolicy(
    [
      doc({ Effect: 'Allow', Action: ['IOT:publish'], Resource: arn('topic', 'room/?/temp') }),
      doc({ Effect: 'Allow', Action: 'iot:Subscribe', Resource: arn('topicfilter', 'room/+/temp') }),
    ],
    { clientId: 'c' },
  );
  assert.equal(p.authorize('iot:Publish', arn('topic', 'room/1/temp')), true);
  assert.equal(p.authorize('iot:Publish', arn('topic', 'room/12/temp')), false);
  assert.equal(p.authorize('iot:Subscribe', arn('topicfilter', 'room/+/temp')), true);
  assert.equal(p.authorize('iot:Subscribe', arn('topicfilter', 'room/1/temp')), false);
});

test('variable values are literal: a client id with * or + does not widen the resource', () => {
  const p = new CompiledPolicy(
    [
      doc({
        Effect: 'Allow',
        Action: 'iot:Subscribe',
        Resource: arn('topicfilter', 'my/${iot:ClientId}/topic'),
      }),
    ],
    { clientId: 'a*' },
  );
  assert.equal(p.authorize('iot:Subscribe', arn('topicfilter', 'my/a*/topic')), true);
  assert.equal(p.authorize('iot:Subscribe', arn('topicfilter', 'my/abc/topic')), false);
});

test('conditions: Bool on IsAttached, StringLike and negated operators on missing keys', () => {
  const statement = (condition: unknown) =>
    doc({ Effect: 'Allow', Action: 'iot:Connect', Resource: '*', Condition: condition });
  const attached = { clientId: 'cam-1', thingName: 'cam-1', isAttached: true };
  const detached = { clientId: 'cam-1', thingName: 'cam-1', isAttached: false };
  const isAttached = statement({ Bool: { 'iot:Connection.Thing.IsAttached': 'true' } });
  assert.equal(
    new CompiledPolicy([isAttached], attached).authorize('iot:Connect', arn('client', 'cam-1')),
    true,
  );
  assert.equal(
    new CompiledPolicy([isAttached], detached).authorize('iot:Connect', arn('client', 'cam-1')),
    false,
  );
  const like = statement({ StringLike: { 'iot:ClientId': 'cam-*' } });
  assert.equal(new CompiledPolicy([like], attached).authorize('iot:Connect', arn('client', 'cam-1')), true);
  assert.equal(
    new CompiledPolicy([like], { clientId: 'x' }).authorize('iot:Connect', arn('client', 'x')),
    false,
  );
  const notEquals = statement({ StringNotEquals: { 'iot:Connection.Thing.ThingTypeName': 'banned' } });
  assert.equal(
    new CompiledPolicy([notEquals], attached).authorize('iot:Connect', arn('client', 'cam-1')),
    true,
  );
});

test('invalid documents are refused with POLICY_INVALID', () => {
  const bad = [
    '{',
    JSON.stringify({ Version: '2008-10-17', Statement: [] }),
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', NotAction: 'iot:Publish', Resource: '*' }],
    }),
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Maybe', Action: 'iot:Publish', Resource: '*' }],
    }),
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
    }),
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: 'topic/x' }],
    }),
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iot:Publish', Resource: '*', Condition: { DateLessThan: { x: 'y' } } },
      ],
    }),
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iot:Publish', Resource: Array(40).fill(arn('topic', 'x/y/z')) },
      ],
    }),
  ];
  for (const text of bad) {
    assert.throws(
      () => parsePolicyDocument('p', text),
      (err) => isCamlinkError(err, 'POLICY_INVALID'),
      text.slice(0, 80),
    );
  }
  assert.throws(
    () => parsePolicyDocument('bad name!', JSON.stringify({ Version: '2012-10-17', Statement: [] })),
    (err) => isCamlinkError(err, 'POLICY_INVALID'),
  );
});
