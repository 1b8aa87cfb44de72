/**
 * The IAM-compatible service of `camlink up` (iam.enabled) through @aws-sdk/client-iam: every
 * operation and its refusals as IAM answers them, roles persisted across a restart, and a role session
 * refused (only the account's own key pair may call IAM).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import sts from '@aws-sdk/nested-clients/sts';
import { sdkOptions } from '../helpers/aws.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

const ACCOUNT = '000000000000';
const TRUST_ACCOUNT = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
  ],
});
const SQS_SEND = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:q` }],
});
const THINGS_REGISTRATION = 'arn:aws:iam::aws:policy/service-role/AWSIoTThingsRegistration';

async function refused(promise: Promise<unknown>, name: string, status?: number): Promise<string> {
  try {
    await promise;
  } catch (err) {
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    assert.equal(e.name, name, e.message);
    if (status !== undefined) assert.equal(e.$metadata?.httpStatusCode, status);
    return e.message ?? '';
  }
  assert.fail(`expected ${name}`);
}

test('IAM: roles, inline and managed policies, as client-iam sees them', async (t) => {
  const dir = await tempDir(t);
  const { platform } = await startTestPlatform(t, dir, {
    extra: { iam: { enabled: true }, sts: { enabled: true }, iot: { accountId: ACCOUNT } },
  });
  const e = platform.endpoints;
  assert.ok(e.iam);
  const ca = await readFile(e.caPath);
  const iam = new IAMClient(sdkOptions(e.iam, ca, e.credentials));
  t.after(() => iam.destroy());

  const created = await iam.send(
    new CreateRoleCommand({
      RoleName: 'RuleRole',
      Path: '/service/',
      Description: 'rule role',
      MaxSessionDuration: 7200,
      AssumeRolePolicyDocument: TRUST_ACCOUNT,
    }),
  );
  assert.equal(created.Role?.Arn, `arn:aws:iam::${ACCOUNT}:role/service/RuleRole`);
  assert.match(created.Role?.RoleId ?? '', /^AROA[A-Z2-7]{17}$/);
  assert.equal(created.Role?.MaxSessionDuration, 7200);
  assert.ok(created.Role?.CreateDate instanceof Date);
  // IAM answers documents URL-encoded.
  assert.equal(decodeURIComponent(created.Role?.AssumeRolePolicyDocument ?? ''), TRUST_ACCOUNT);

  await refused(
    iam.send(new CreateRoleCommand({ RoleName: 'rulerole', AssumeRolePolicyDocument: TRUST_ACCOUNT })),
    'EntityAlreadyExistsException',
    409,
  );
  await refused(
    iam.send(new CreateRoleCommand({ RoleName: 'bad name', AssumeRolePolicyDocument: TRUST_ACCOUNT })),
    'ValidationError',
    400,
  );
  await refused(
    iam.send(new CreateRoleCommand({ RoleName: 'x'.repeat(65), AssumeRolePolicyDocument: TRUST_ACCOUNT })),
    'ValidationError',
  );
  await refused(
    iam.send(
      new CreateRoleCommand({ RoleName: 'R2', Path: 'nopath', AssumeRolePolicyDocument: TRUST_ACCOUNT }),
    ),
    'ValidationError',
  );
  await refused(
    iam.send(
      new CreateRoleCommand({
        RoleName: 'R2',
        MaxSessionDuration: 100,
        AssumeRolePolicyDocument: TRUST_ACCOUNT,
      }),
    ),
    'ValidationError',
  );
  await refused(
    iam.send(new CreateRoleCommand({ RoleName: 'R2', AssumeRolePolicyDocument: '{not json' })),
    'MalformedPolicyDocumentException',
    400,
  );
  // A trust policy with a Resource, or a permission-only action, is not a trust policy.
  await refused(
    iam.send(
      new CreateRoleCommand({
        RoleName: 'R2',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 's3:*' }],
        }),
      }),
    ),
    'MalformedPolicyDocumentException',
  );
  const bigTrust = JSON.stringify({
    Version: '2012-10-17',
    Statement: Array.from({ length: 40 }, (_, i) => ({
      Sid: `S${i}`,
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'sts:AssumeRole',
    })),
  });
  await refused(
    iam.send(new CreateRoleCommand({ RoleName: 'R2', AssumeRolePolicyDocument: bigTrust })),
    'LimitExceededException',
    409,
  );

  const got = await iam.send(new GetRoleCommand({ RoleName: 'RuleRole' }));
  assert.equal(got.Role?.Description, 'rule role');
  assert.equal(got.Role?.Path, '/service/');
  await refused(iam.send(new GetRoleCommand({ RoleName: 'Nobody' })), 'NoSuchEntityException', 404);
  // Role names are not distinguished by case.
  assert.equal((await iam.send(new GetRoleCommand({ RoleName: 'rulerole' }))).Role?.RoleName, 'RuleRole');

  await iam.send(new CreateRoleCommand({ RoleName: 'Other', AssumeRolePolicyDocument: TRUST_ACCOUNT }));
  const all = await iam.send(new ListRolesCommand({}));
  assert.deepEqual(
    all.Roles?.map((r) => r.RoleName),
    ['Other', 'RuleRole'],
  );
  assert.equal(all.IsTruncated, false);
  const first = await iam.send(new ListRolesCommand({ MaxItems: 1 }));
  assert.equal(first.IsTruncated, true);
  const second = await iam.send(new ListRolesCommand({ MaxItems: 1, Marker: first.Marker }));
  assert.deepEqual(
    second.Roles?.map((r) => r.RoleName),
    ['RuleRole'],
  );
  const byPath = await iam.send(new ListRolesCommand({ PathPrefix: '/service/' }));
  assert.deepEqual(
    byPath.Roles?.map((r) => r.RoleName),
    ['RuleRole'],
  );

  // Inline policies.
  await iam.send(
    new PutRolePolicyCommand({ RoleName: 'RuleRole', PolicyName: 'send', PolicyDocument: SQS_SEND }),
  );
  const inline = await iam.send(new GetRolePolicyCommand({ RoleName: 'RuleRole', PolicyName: 'send' }));
  assert.equal(decodeURIComponent(inline.PolicyDocument ?? ''), SQS_SEND);
  assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: 'RuleRole' }))).PolicyNames, [
    'send',
  ]);
  await refused(
    iam.send(new GetRolePolicyCommand({ RoleName: 'RuleRole', PolicyName: 'none' })),
    'NoSuchEntityException',
  );
  await refused(
    iam.send(
      new PutRolePolicyCommand({
        RoleName: 'RuleRole',
        PolicyName: 'p',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sqs:*' }],
        }),
      }),
    ),
    'MalformedPolicyDocumentException',
  );
  await refused(
    iam.send(
      new PutRolePolicyCommand({
        RoleName: 'RuleRole',
        PolicyName: 'p',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sqs:*', Resource: '*' }],
        }),
      }),
    ),
    'MalformedPolicyDocumentException',
  );
  const huge = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: `arn:aws:sqs:::${'q'.repeat(10_300)}` },
    ],
  });
  await refused(
    iam.send(new PutRolePolicyCommand({ RoleName: 'RuleRole', PolicyName: 'huge', PolicyDocument: huge })),
    'LimitExceededException',
  );
  await refused(
    iam.send(new PutRolePolicyCommand({ RoleName: 'Nobody', PolicyName: 'p', PolicyDocument: SQS_SEND })),
    'NoSuchEntityException',
  );

  // Managed policies: AWS's, by ARN; customer-managed ones do not exist here.
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'RuleRole', PolicyArn: THINGS_REGISTRATION }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'RuleRole', PolicyArn: THINGS_REGISTRATION }));
  const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'RuleRole' }));
  assert.deepEqual(attached.AttachedPolicies, [
    { PolicyName: 'AWSIoTThingsRegistration', PolicyArn: THINGS_REGISTRATION },
  ]);
  await refused(
    iam.send(
      new AttachRolePolicyCommand({ RoleName: 'RuleRole', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/Mine` }),
    ),
    'NoSuchEntityException',
  );
  await refused(
    iam.send(
      new AttachRolePolicyCommand({
        RoleName: 'RuleRole',
        PolicyArn: 'arn:aws-cn:iam::aws:policy/service-role/AWSIoTThingsRegistration',
      }),
    ),
    'NoSuchEntityException',
  );

  // DeleteRole refuses while policies are there.
  await refused(iam.send(new DeleteRoleCommand({ RoleName: 'RuleRole' })), 'DeleteConflictException', 409);
  await iam.send(new DeleteRolePolicyCommand({ RoleName: 'RuleRole', PolicyName: 'send' }));
  await refused(
    iam.send(new DeleteRolePolicyCommand({ RoleName: 'RuleRole', PolicyName: 'send' })),
    'NoSuchEntityException',
  );
  await refused(iam.send(new DeleteRoleCommand({ RoleName: 'RuleRole' })), 'DeleteConflictException');
  await iam.send(new DetachRolePolicyCommand({ RoleName: 'RuleRole', PolicyArn: THINGS_REGISTRATION }));
  await refused(
    iam.send(new DetachRolePolicyCommand({ RoleName: 'RuleRole', PolicyArn: THINGS_REGISTRATION })),
    'NoSuchEntityException',
  );

  // UpdateAssumeRolePolicy validates like CreateRole.
  const trustIot = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
  await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'RuleRole', PolicyDocument: trustIot }));
  assert.equal(
    decodeURIComponent(
      (await iam.send(new GetRoleCommand({ RoleName: 'RuleRole' }))).Role?.AssumeRolePolicyDocument ?? '',
    ),
    trustIot,
  );
  await refused(
    iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'RuleRole', PolicyDocument: '[]' })),
    'MalformedPolicyDocumentException',
  );
  await iam.send(new DeleteRoleCommand({ RoleName: 'RuleRole' }));
  await refused(iam.send(new DeleteRoleCommand({ RoleName: 'RuleRole' })), 'NoSuchEntityException');

  // What IAM has that this one does not do: InvalidAction, never a fake success.
  await refused(iam.send(new CreateUserCommand({ UserName: 'u' })), 'InvalidAction', 400);

  // A role session may not call IAM.
  const stsClient = new sts.STSClient(sdkOptions(e.sts ?? '', ca, e.credentials));
  t.after(() => stsClient.destroy());
  const session = await stsClient.send(
    new sts.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/Other`, RoleSessionName: 'tester' }),
  );
  const c = session.Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  const asSession = new IAMClient(
    sdkOptions(e.iam, ca, {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
    } as { accessKeyId: string; secretAccessKey: string }),
  );
  t.after(() => asSession.destroy());
  await refused(asSession.send(new ListRolesCommand({})), 'AccessDenied', 403);

  // Signed for another region than IAM's: refused as AWS does.
  const wrongRegion = new IAMClient({ ...sdkOptions(e.iam, ca, e.credentials), region: 'ap-northeast-1' });
  t.after(() => wrongRegion.destroy());
  await refused(wrongRegion.send(new ListRolesCommand({})), 'SignatureDoesNotMatch', 403);
});
