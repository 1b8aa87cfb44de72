/** The rehearsal's evidence that the backend renewed its role credentials: distinct AssumeRole sessions. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backendRoleSessions } from './target-run.js';

const line = (roleArn: string, accessKeyId: string) =>
  JSON.stringify({ level: 30, component: 'sts', roleArn, accessKeyId, msg: 'AssumeRole' });

test('backend role sessions are counted by distinct keys of the backend role only', () => {
  const backend = 'arn:aws-cn:iam::210987654321:role/camlink-BackendRole2C158A87-AZ01PMIDOJP';
  const log = [
    line(backend, 'ASIA1'),
    'camlink is up',
    line('arn:aws-cn:iam::210987654321:role/camlink-media', 'ASIA2'),
    line(backend, 'ASIA1'),
    '{"msg":"AssumeRole", not json',
  ].join('\n');
  assert.equal(backendRoleSessions(log), 1);
  assert.equal(backendRoleSessions(`${log}\n${line(backend, 'ASIA3')}`), 2);
  assert.equal(backendRoleSessions(''), 0);
});
