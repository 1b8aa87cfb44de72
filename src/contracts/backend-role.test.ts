/**
 * The backend role contract: renders for both partitions within AWS's policy size, names only the
 * backend's services, puts KVS in the video region and drops it when video is off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asList } from '../iot/policy/document.js';
import { BACKEND_ROLE_SERVICES, BACKEND_VIDEO_STATEMENT, backendRolePolicy } from './backend-role.js';

const scope = { partition: 'aws-cn', region: 'cn-northwest-1', account: '123456789012' } as const;
// The longest bucket name S3 allows (63 characters) still fits.
const mediaBucket = 'b'.repeat(63);

test('video in another region: only the KVS statement names it', () => {
  const policy = backendRolePolicy(scope, { mediaBucket, videoRegion: 'cn-north-1' });
  const resources = policy.statements.flatMap((s) => asList(s.Resource));
  const video = policy.statements.find((s) => s.Sid === BACKEND_VIDEO_STATEMENT);
  assert.deepEqual(asList(video?.Resource ?? []), [
    'arn:aws-cn:kinesisvideo:cn-north-1:123456789012:stream/*',
  ]);
  for (const r of resources.filter((x) => !x.includes(':kinesisvideo:'))) {
    assert.ok(!r.includes('cn-north-1:'), r);
  }
  const services = new Set(policy.statements.flatMap((s) => asList(s.Action)).map((a) => a.split(':')[0]));
  assert.deepEqual([...services].sort(), [...BACKEND_ROLE_SERVICES].sort());
});

test('video off: no kinesisvideo action at all', () => {
  const policy = backendRolePolicy(scope, { mediaBucket, videoRegion: undefined });
  assert.ok(!JSON.stringify(policy.statements).includes('kinesisvideo'));
  assert.ok(policy.statements.length > 0);
});
