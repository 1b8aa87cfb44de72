/** The camera role's permission policy as the embedded services enforce it for temporary credentials. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cameraRoleArn, cameraRolePolicy } from '../contracts/camera-role.js';
import { RolePolicies } from './role-policy.js';

const scope = { partition: 'aws', region: 'us-east-1', account: '000000000000' } as const;
const roleArn = cameraRoleArn('aws', scope.account);
const policies = new RolePolicies().define(roleArn, [cameraRolePolicy(scope, 'camlink-media')]);
const stream = (name: string) => `arn:aws:kinesisvideo:us-east-1:000000000000:stream/${name}/1700000000000`;
const session = (variables: Record<string, string>, arn = roleArn) => ({
  accessKeyId: 'ASIAEXAMPLE',
  secretAccessKey: 'x',
  sessionToken: 't',
  session: { roleArn: arn, variables },
});

test('a camera may stream to its own stream only', () => {
  const cam = session({ 'credentials-iot:ThingName': 'cam-1' });
  assert.equal(policies.authorize(cam, 'kinesisvideo:PutMedia', stream('cam-1')), true);
  assert.equal(policies.authorize(cam, 'kinesisvideo:GetDataEndpoint', stream('cam-1')), true);
  assert.equal(policies.authorize(cam, 'kinesisvideo:PutMedia', stream('cam-2')), false);
  assert.equal(policies.authorize(cam, 'kinesisvideo:DeleteStream', stream('cam-1')), false);
  assert.equal(policies.authorize(cam, 'kinesisvideo:PutMedia', stream('cam-1*')), false);
  assert.equal(
    policies.authorize(cam, 's3:PutObject', 'arn:aws:s3:::camlink-media/devices/cam-1/x.jpg'),
    true,
  );
  assert.equal(
    policies.authorize(cam, 's3:GetObject', 'arn:aws:s3:::camlink-media/devices/cam-1/x.jpg'),
    true,
  );
  assert.equal(
    policies.authorize(cam, 's3:PutObject', 'arn:aws:s3:::camlink-media/devices/cam-2/x.jpg'),
    false,
  );
  assert.equal(
    policies.authorize(cam, 's3:DeleteObject', 'arn:aws:s3:::camlink-media/devices/cam-1/x.jpg'),
    false,
  );
  assert.equal(policies.authorize(cam, 's3:ListBucket', 'arn:aws:s3:::camlink-media'), false);
});

test('without a thing name, or for an unknown role, nothing is allowed; long-lived keys are not restricted here', () => {
  assert.equal(policies.authorize(session({}), 'kinesisvideo:PutMedia', stream('cam-1')), false);
  const stranger = session({ 'credentials-iot:ThingName': 'cam-1' }, 'arn:aws:iam::000000000000:role/other');
  assert.equal(policies.authorize(stranger, 'kinesisvideo:PutMedia', stream('cam-1')), false);
  const platformKey = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' };
  assert.equal(policies.authorize(platformKey, 'kinesisvideo:DeleteStream', stream('cam-1')), true);
});
