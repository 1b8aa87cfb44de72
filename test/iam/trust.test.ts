/** Trust policy evaluation and the RoleDirectory helpers other services use (src/iam/trust.ts, role-directory.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roleAllows, type RoleRecord } from '../../src/iam/role-directory.js';
import { trustAllows } from '../../src/iam/trust.js';

const ACCOUNT = '111122223333';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const iot = { kind: 'service', service: 'iot.amazonaws.com' } as const;
const ruleArn = `arn:aws:iot:ap-northeast-1:${ACCOUNT}:rule/camlink_uploads`;

test('AWS principals: account root, account id, a role (its sessions), a user', () => {
  const root = doc({
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
    Action: 'sts:AssumeRole',
  });
  assert.ok(trustAllows(root, { kind: 'aws', arn: `arn:aws:iam::${ACCOUNT}:user/admin` }));
  assert.ok(trustAllows(root, { kind: 'aws', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/R/s` }));
  assert.ok(!trustAllows(root, { kind: 'aws', arn: 'arn:aws:iam::999999999999:user/admin' }));
  assert.ok(!trustAllows(root, { kind: 'aws', arn: `arn:aws-cn:iam::${ACCOUNT}:user/admin` }));
  const id = doc({ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'sts:AssumeRole' });
  assert.ok(trustAllows(id, { kind: 'aws', arn: `arn:aws:iam::${ACCOUNT}:user/admin` }));
  const role = doc({
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/path/Backend` },
    Action: 'sts:AssumeRole',
  });
  assert.ok(trustAllows(role, { kind: 'aws', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Backend/x` }));
  assert.ok(!trustAllows(role, { kind: 'aws', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Other/x` }));
  assert.ok(!trustAllows(role, iot), 'an AWS principal is not a service');
});

test('service principals with the stack conditions (SourceAccount, SourceArn)', () => {
  const trust = doc({
    Effect: 'Allow',
    Principal: { Service: 'iot.amazonaws.com' },
    Action: 'sts:AssumeRole',
    Condition: {
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': `arn:aws:iot:ap-northeast-1:${ACCOUNT}:rule/camlink_uploads` },
    },
  });
  assert.ok(trustAllows(trust, iot, { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': ruleArn }));
  assert.ok(!trustAllows(trust, iot, { 'aws:SourceAccount': '999999999999', 'aws:SourceArn': ruleArn }));
  assert.ok(!trustAllows(trust, iot, { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': `${ruleArn}2` }));
  assert.ok(!trustAllows(trust, iot), 'a missing key does not satisfy StringEquals');
  assert.ok(!trustAllows(trust, { kind: 'service', service: 'credentials.iot.amazonaws.com' }));
});

test('what cannot be evaluated never grants; Deny wins', () => {
  const unknownKey = doc({
    Effect: 'Allow',
    Principal: { Service: 'iot.amazonaws.com' },
    Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } },
  });
  assert.ok(!trustAllows(unknownKey, iot, { 'aws:SourceAccount': ACCOUNT }));
  const allow = { Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole' };
  assert.ok(trustAllows(doc(allow), iot));
  assert.ok(!trustAllows(doc(allow, { Effect: 'Deny', Principal: '*', Action: 'sts:*' }), iot));
  assert.ok(
    !trustAllows(
      doc(allow, { Effect: 'Deny', NotPrincipal: { AWS: ACCOUNT }, Action: 'sts:AssumeRole' }),
      iot,
    ),
  );
  assert.ok(!trustAllows('not json', iot));
});

test('roleAllows: inline and managed documents, Deny, unsupported statements', () => {
  const role = (...documents: string[]): RoleRecord => ({
    arn: `arn:aws:iam::${ACCOUNT}:role/R`,
    name: 'R',
    path: '/',
    roleId: 'AROAAAAAAAAAAAAAAAAAA',
    partition: 'aws',
    account: ACCOUNT,
    maxSessionDuration: 3600,
    trustPolicy: doc({
      Effect: 'Allow',
      Principal: { Service: 'iot.amazonaws.com' },
      Action: 'sts:AssumeRole',
    }),
    permissionPolicies: documents.map((document, i) => ({ name: `p${i}`, document })),
  });
  const queue = `arn:aws:sqs:ap-northeast-1:${ACCOUNT}:camlink-uploads`;
  const send = doc({ Effect: 'Allow', Action: ['sqs:SendMessage', 'logs:PutLogEvents'], Resource: queue });
  assert.ok(roleAllows(role(send), 'sqs:SendMessage', queue));
  assert.ok(!roleAllows(role(send), 'sqs:SendMessage', `${queue}-dlq`));
  assert.ok(!roleAllows(role(send), 'sqs:DeleteMessage', queue));
  assert.ok(!roleAllows(role(), 'sqs:SendMessage', queue));
  assert.ok(
    !roleAllows(
      role(send, doc({ Effect: 'Deny', Action: 'sqs:*', Resource: '*' })),
      'sqs:SendMessage',
      queue,
    ),
  );
  // NotAction in an Allow grants nothing here; in a Deny it denies everything.
  assert.ok(
    !roleAllows(role(doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })), 'sqs:SendMessage', queue),
  );
  assert.ok(
    !roleAllows(
      role(send, doc({ Effect: 'Deny', NotAction: 'sqs:*', Resource: '*' })),
      'sqs:SendMessage',
      queue,
    ),
  );
});
