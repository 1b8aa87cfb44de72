/**
 * The synthesized camlink stack, for AWS global (ap-northeast-1, arn:aws) and AWS China (cn-north-1,
 * arn:aws-cn): the IoT resources are the repository's contracts rendered for the stack, and storage,
 * queue and IAM have the settings docs/infra.md promises.
 *
 * The stacks use a literal account and region, and infra/cdk.json enables partition literals, so the
 * policies carry no `${AWS::Partition}`/`${AWS::AccountId}` tokens and can be compared with the
 * contract's own renderer output as they are.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Match } from 'aws-cdk-lib/assertions';
import { renderPolicyTemplate, type ArnScope } from '../../src/iot/policy/arn.js';
import { DEVICE_POLICY_NAME, devicePolicyTemplate } from '../../src/contracts/device-policy.js';
import { BACKEND_POLICY_NAME, backendPolicyTemplate } from '../../src/contracts/backend-policy.js';
import { UPLOAD_RULE_NAME, UPLOAD_RULE_SQL } from '../../src/contracts/upload-rule.js';
import { jitpRoleArn } from '../../src/contracts/jitp-template.js';
import {
  CAMERA_CREDENTIAL_SECONDS,
  CAMERA_ROLE_ALIAS,
  CAMERA_ROLE_NAME,
  cameraRoleArn,
  cameraRolePolicyTemplate,
} from '../../src/contracts/camera-role.js';
import { UPLOAD_DLQ_NAME, UPLOAD_QUEUE_NAME } from '../../src/contracts/upload-queue.js';
import { CHINA_CUSTOM_DOMAIN_MESSAGE } from '../../infra/lib/domain.js';
import { backendRolePolicy } from '../../src/contracts/backend-role.js';
import { policyJson } from '../../infra/lib/arn-scope.js';
import {
  ACCOUNT,
  CHINA_REGION,
  GLOBAL_REGION,
  actionsOf,
  backendRole,
  buildStack,
  grantsOf,
  only,
  statementsOf,
  synth,
} from './helpers.js';

const partitions: readonly ArnScope[] = [
  { partition: 'aws', region: GLOBAL_REGION, account: ACCOUNT },
  { partition: 'aws-cn', region: CHINA_REGION, account: ACCOUNT },
];

const domain = {
  domainName: 'iot.example.com',
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  zoneName: 'example.com',
  iotEndpoint: 'a1b2c3d4e5f6g7-ats.iot.ap-northeast-1.amazonaws.com',
};

for (const scope of partitions) {
  describe(`camlink stack in ${scope.region} (${scope.partition})`, () => {
    const template = synth(scope.region);
    const text = JSON.stringify(template.toJSON());
    const bucketName = `camlink-media-${ACCOUNT}-${scope.region}`;

    test('the device policy is device-policy.json rendered for the stack, byte for byte', () => {
      const [, policy] = only(template, 'AWS::IoT::Policy', { PolicyName: DEVICE_POLICY_NAME });
      const expected = JSON.parse(renderPolicyTemplate(devicePolicyTemplate, scope)) as unknown;
      // CloudFormation takes the document as JSON, not text: the file's whitespace is not kept, so
      // "byte for byte" is the compact serialization of both (which also pins key order).
      assert.equal(JSON.stringify(policy.Properties.PolicyDocument), JSON.stringify(expected));
    });

    test('the backend policy is backend-policy.json rendered for the stack', () => {
      const [, policy] = only(template, 'AWS::IoT::Policy', { PolicyName: BACKEND_POLICY_NAME });
      const expected = JSON.parse(renderPolicyTemplate(backendPolicyTemplate, scope)) as unknown;
      assert.equal(JSON.stringify(policy.Properties.PolicyDocument), JSON.stringify(expected));
    });

    test('the upload rule runs UPLOAD_RULE_SQL into the upload queue, errors to the DLQ', () => {
      const [queueId] = only(template, 'AWS::SQS::Queue', { QueueName: UPLOAD_QUEUE_NAME });
      const [dlqId] = only(template, 'AWS::SQS::Queue', { QueueName: UPLOAD_DLQ_NAME });
      const [, rule] = only(template, 'AWS::IoT::TopicRule', { RuleName: UPLOAD_RULE_NAME });
      const payload = rule.Properties.TopicRulePayload as {
        Sql: string;
        AwsIotSqlVersion: string;
        RuleDisabled: boolean;
        Actions: { Sqs: { QueueUrl: unknown; RoleArn: unknown } }[];
        ErrorAction: { Sqs: { QueueUrl: unknown; RoleArn: unknown } };
      };
      assert.equal(payload.Sql, UPLOAD_RULE_SQL);
      assert.equal(payload.AwsIotSqlVersion, '2016-03-23');
      assert.equal(payload.RuleDisabled, false);
      assert.equal(payload.Actions.length, 1);
      assert.deepEqual(payload.Actions[0]?.Sqs.QueueUrl, { Ref: queueId });
      assert.deepEqual(payload.ErrorAction.Sqs.QueueUrl, { Ref: dlqId });

      // The rule's role may send to these two queues and do nothing else.
      const roleArn = payload.Actions[0]?.Sqs.RoleArn as { 'Fn::GetAtt': [string, string] };
      const roleId = roleArn['Fn::GetAtt'][0];
      const [, rolePolicy] = only(template, 'AWS::IAM::Policy', { Roles: [{ Ref: roleId }] });
      const statements = statementsOf(rolePolicy.Properties.PolicyDocument);
      assert.deepEqual([...new Set(statements.flatMap(actionsOf))], ['sqs:SendMessage']);
      const resources = statements.flatMap((s) => s.Resource).map((r) => JSON.stringify(r));
      assert.deepEqual(
        resources.sort(),
        [queueId, dlqId].map((id) => JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] })).sort(),
      );
      // Only this account's upload rule may make IoT assume the role (confused deputy).
      const [, ruleRole] = only(template, 'AWS::IAM::Role', {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'iot.amazonaws.com' } })],
        }),
        Description: Match.stringLikeRegexp(UPLOAD_RULE_NAME),
      });
      assert.equal(
        JSON.stringify(ruleRole.Properties.AssumeRolePolicyDocument),
        JSON.stringify({
          Statement: [
            {
              Action: 'sts:AssumeRole',
              Condition: {
                StringEquals: { 'aws:SourceAccount': ACCOUNT },
                ArnLike: {
                  'aws:SourceArn': `arn:${scope.partition}:iot:${scope.region}:${ACCOUNT}:rule/${UPLOAD_RULE_NAME}`,
                },
              },
              Effect: 'Allow',
              Principal: { Service: 'iot.amazonaws.com' },
            },
          ],
          Version: '2012-10-17',
        }),
      );
    });

    test('the media bucket is private, encrypted, TLS-only, with CORS for PUT and multipart cleanup', () => {
      const [bucketId, bucket] = only(template, 'AWS::S3::Bucket');
      const p = bucket.Properties;
      assert.equal(p.BucketName, bucketName);
      assert.deepEqual(p.PublicAccessBlockConfiguration, {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      assert.deepEqual(p.BucketEncryption, {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      assert.equal(p.VersioningConfiguration, undefined);
      const cors = (p.CorsConfiguration as { CorsRules: Record<string, string[]>[] }).CorsRules;
      assert.equal(cors.length, 1);
      assert.ok(cors[0]?.AllowedMethods?.includes('PUT'));
      assert.deepEqual(cors[0]?.AllowedHeaders, ['content-type', 'content-length', 'x-amz-*']);
      assert.deepEqual(cors[0]?.ExposedHeaders, ['ETag']);
      const rules = (p.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
      assert.deepEqual(rules, [
        {
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          Id: 'abort-incomplete-multipart',
          Status: 'Enabled',
        },
      ]);
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    test('the upload queue is encrypted and redrives to the DLQ after 5 receives', () => {
      const [dlqId, dlq] = only(template, 'AWS::SQS::Queue', { QueueName: UPLOAD_DLQ_NAME });
      const [queueId, queue] = only(template, 'AWS::SQS::Queue', { QueueName: UPLOAD_QUEUE_NAME });
      assert.deepEqual(queue.Properties.RedrivePolicy, {
        deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
        maxReceiveCount: 5,
      });
      assert.equal(queue.Properties.SqsManagedSseEnabled, true);
      assert.equal(dlq.Properties.SqsManagedSseEnabled, true);
      for (const id of [queueId, dlqId]) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: [
              Match.objectLike({
                Effect: 'Deny',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ],
          },
        });
      }
    });

    test('the camera role is camera-role-policy.json rendered with the bucket, behind the role alias', () => {
      const [cameraRoleId, role] = only(template, 'AWS::IAM::Role', { RoleName: CAMERA_ROLE_NAME });
      assert.deepEqual((role.Properties.AssumeRolePolicyDocument as { Statement: unknown[] }).Statement, [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'credentials.iot.amazonaws.com' },
        },
      ]);
      const policies = role.Properties.Policies as { PolicyName: string; PolicyDocument: unknown }[];
      assert.equal(policies.length, 1);
      const expected = JSON.parse(
        renderPolicyTemplate(cameraRolePolicyTemplate, scope).replaceAll('{{mediaBucket}}', bucketName),
      ) as unknown;
      // CDK's IAM PolicyDocument normalizes statements (sorted actions, sorted keys): compare by meaning.
      const normalize = (document: unknown) =>
        statementsOf(document).map((s) => ({
          Effect: s.Effect,
          Action: actionsOf(s).sort(),
          Resource: s.Resource,
        }));
      assert.deepEqual(normalize(policies[0]?.PolicyDocument), normalize(expected));
      const resources = statementsOf(policies[0]?.PolicyDocument).flatMap((s) => s.Resource);
      assert.ok(resources.every((r) => typeof r === 'string' && r.includes('${credentials-iot:ThingName}')));
      assert.ok(
        resources.includes(
          `arn:${scope.partition}:s3:::${bucketName}/devices/\${credentials-iot:ThingName}/*`,
        ),
      );

      const [, alias] = only(template, 'AWS::IoT::RoleAlias');
      assert.deepEqual(alias.Properties, {
        RoleAlias: CAMERA_ROLE_ALIAS,
        RoleArn: { 'Fn::GetAtt': [cameraRoleId, 'Arn'] },
        CredentialDurationSeconds: CAMERA_CREDENTIAL_SECONDS,
      });
      // The ARN the embedded platform and the device policy assume is the ARN this role gets.
      assert.equal(
        cameraRoleArn(scope.partition, ACCOUNT),
        `arn:${scope.partition}:iam::${ACCOUNT}:role/${CAMERA_ROLE_NAME}`,
      );
    });

    test('the JITP role has the name jitpRoleArn() expects and AWSIoTThingsRegistration', () => {
      const name = jitpRoleArn(scope.partition, ACCOUNT).split(':role/')[1];
      const [, role] = only(template, 'AWS::IAM::Role', { RoleName: name });
      assert.deepEqual(role.Properties.ManagedPolicyArns, [
        `arn:${scope.partition}:iam::aws:policy/service-role/AWSIoTThingsRegistration`,
      ]);
      assert.deepEqual(role.Properties.AssumeRolePolicyDocument, {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Condition: {
              StringEquals: { 'aws:SourceAccount': ACCOUNT },
              ArnLike: { 'aws:SourceArn': `arn:${scope.partition}:iot:${scope.region}:${ACCOUNT}:*` },
            },
            Effect: 'Allow',
            Principal: { Service: 'iot.amazonaws.com' },
          },
        ],
        Version: '2012-10-17',
      });
      template.hasResourceProperties('AWS::IoT::ThingType', { ThingTypeName: 'camlink-camera' });
    });

    test('the backend role is backend-role-policy.json rendered for the stack, bucket and video region', () => {
      const [, role] = backendRole(template);
      const policies = role.Properties.Policies as { PolicyName: string; PolicyDocument: unknown }[];
      assert.equal(policies.length, 1);
      const expected = policyJson(
        backendRolePolicy(scope, { mediaBucket: bucketName, videoRegion: scope.region }),
      );
      assert.deepEqual(grantsOf(policies[0]?.PolicyDocument), grantsOf(expected));
      // No other policy is attached to the role (the old grant*() calls made an AWS::IAM::Policy).
      assert.equal(
        Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
          JSON.stringify(p).includes('BackendRole'),
        ).length,
        0,
      );
    });

    test('the backend role: S3 Get/Put/DeleteObject under devices/ and ListBucket (404s), nothing bucket-wide', () => {
      const [, role] = backendRole(template);
      const grants = grantsOf((role.Properties.Policies as { PolicyDocument: unknown }[])[0]?.PolicyDocument);
      const s3 = grants.filter((g) => g.startsWith('s3:'));
      const objects = `arn:${scope.partition}:s3:::${bucketName}/devices/*`;
      assert.deepEqual(s3, [
        `s3:DeleteObject ${objects}`,
        `s3:GetObject ${objects}`,
        `s3:ListBucket arn:${scope.partition}:s3:::${bucketName}`,
        `s3:PutObject ${objects}`,
      ]);
      for (const g of grants) {
        const [action] = g.split(' ');
        assert.notEqual(action, '*');
        assert.doesNotMatch(action ?? '', /^[a-z0-9-]+:\*$/, `${action} is a whole service`);
        assert.doesNotMatch(action ?? '', /^s3:(GetBucket|PutBucket|.*Legal|.*Retention|ListAllMy)/, g);
      }
      // Consume the upload queue, re-send what its own failures brought to the last receive, read the
      // redrive policy; count the dead-letter queue. Nothing else (no PurgeQueue, no move tasks).
      const queueArn = (name: string) => `arn:${scope.partition}:sqs:${scope.region}:${ACCOUNT}:${name}`;
      const sqs = grants.filter((g) => g.startsWith('sqs:'));
      assert.deepEqual(sqs, [
        `sqs:ChangeMessageVisibility ${queueArn('camlink-uploads')}`,
        `sqs:DeleteMessage ${queueArn('camlink-uploads')}`,
        `sqs:GetQueueAttributes ${queueArn('camlink-uploads*')}`,
        `sqs:ReceiveMessage ${queueArn('camlink-uploads')}`,
        `sqs:SendMessage ${queueArn('camlink-uploads')}`,
      ]);
      // '*' resources only for the one IoT action IAM cannot scope.
      assert.deepEqual(
        grants.filter((g) => g.endsWith(' *')),
        ['iot:CreateCertificateFromCsr *'],
      );
      assert.ok(
        grants.includes(
          `kinesisvideo:CreateStream arn:${scope.partition}:kinesisvideo:${scope.region}:${ACCOUNT}:stream/*`,
        ),
      );
    });

    test('outputs: queue URL, bucket, role alias, JITP role, backend role', () => {
      const outputs = Object.keys(template.toJSON().Outputs as Record<string, unknown>);
      for (const name of [
        'UploadQueueUrl',
        'MediaBucketName',
        'CameraRoleAlias',
        'JitpRoleArn',
        'BackendRoleArn',
        'VideoRegion',
      ]) {
        assert.ok(outputs.includes(name), `missing output ${name}`);
      }
    });

    test(`every ARN is in the ${scope.partition} partition`, () => {
      const other = scope.partition === 'aws' ? 'arn:aws-cn:' : 'arn:aws:';
      assert.ok(text.includes(`arn:${scope.partition}:`));
      assert.ok(!text.includes(other), `found ${other}`);
      assert.ok(!text.includes('AWS::Partition'), 'the partition should be a literal');
    });
  });
}

describe('the custom data domain', () => {
  test('in AWS global: ACM certificate, DATA domain configuration, CNAME to the ATS endpoint', () => {
    const template = synth(GLOBAL_REGION, { customDomain: domain });
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: domain.domainName,
      ValidationMethod: 'DNS',
    });
    template.hasResourceProperties('AWS::IoT::DomainConfiguration', {
      DomainName: domain.domainName,
      ServiceType: 'DATA',
      ServerCertificateArns: [Match.objectLike({ Ref: Match.anyValue() })],
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Type: 'CNAME',
      HostedZoneId: domain.hostedZoneId,
      ResourceRecords: [domain.iotEndpoint],
    });
  });

  test('in AWS China it is refused, with or without an ICP filing (no configurable endpoints there)', () => {
    for (const region of [CHINA_REGION, 'cn-northwest-1']) {
      for (const icpFiled of [undefined, false, true]) {
        assert.throws(
          () =>
            buildStack(region, {
              customDomain: { ...domain, ...(icpFiled === undefined ? {} : { icpFiled }) },
              ...(region === 'cn-northwest-1' ? { videoRegion: CHINA_REGION } : {}),
            }),
          (err: unknown) =>
            err instanceof Error && err.message === `${region}: ${CHINA_CUSTOM_DOMAIN_MESSAGE}`,
        );
      }
    }
    assert.match(CHINA_CUSTOM_DOMAIN_MESSAGE, /icpFiled=true no longer enables anything in China/);
  });

  test('without one, the stack has no certificate, domain configuration or record', () => {
    const template = synth(GLOBAL_REGION);
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    template.resourceCountIs('AWS::IoT::DomainConfiguration', 0);
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
  });
});

describe('media bucket options', () => {
  test('name, versioning, origins and expiration are props', () => {
    const template = synth(GLOBAL_REGION, {
      mediaBucket: {
        bucketName: 'my-media',
        versioned: true,
        corsAllowedOrigins: ['https://app.example.com'],
        expirationDays: 30,
      },
    });
    const [, bucket] = only(template, 'AWS::S3::Bucket');
    assert.equal(bucket.Properties.BucketName, 'my-media');
    assert.deepEqual(bucket.Properties.VersioningConfiguration, { Status: 'Enabled' });
    assert.match(JSON.stringify(bucket.Properties.CorsConfiguration), /https:\/\/app\.example\.com/);
    assert.match(JSON.stringify(bucket.Properties.LifecycleConfiguration), /"ExpirationInDays":30/);
    assert.match(
      JSON.stringify(template.toJSON()),
      /arn:aws:s3:::my-media\/devices\/\$\{credentials-iot:ThingName\}/,
    );
  });

  test('a non-positive expiration is refused', () => {
    assert.throws(() => buildStack(GLOBAL_REGION, { mediaBucket: { expirationDays: 0 } }), /expirationDays/);
  });
});

describe('the video region', () => {
  const kvsGrants = (template: ReturnType<typeof synth>) => {
    const text = JSON.stringify(template.toJSON());
    return [...text.matchAll(/arn:aws(?:-cn)?:kinesisvideo:([a-z0-9-]+):/g)].map((m) => m[1]);
  };

  test('Ningxia (cn-northwest-1) has no KVS: refused, with what to pass instead', () => {
    assert.throws(
      () => buildStack('cn-northwest-1'),
      /Kinesis Video Streams is not offered in cn-northwest-1: .*-c videoRegion=cn-north-1.*-c video=false/,
    );
    assert.throws(() => buildStack(GLOBAL_REGION, { videoRegion: 'us-west-1' }), /not offered in us-west-1/);
  });

  test('Ningxia with videoRegion cn-north-1: camera and backend KVS grants in Beijing, output VideoRegion', () => {
    const template = synth('cn-northwest-1', { videoRegion: CHINA_REGION });
    const regions = kvsGrants(template);
    assert.ok(regions.length >= 2);
    assert.deepEqual([...new Set(regions)], [CHINA_REGION]);
    const [, camera] = only(template, 'AWS::IAM::Role', { RoleName: CAMERA_ROLE_NAME });
    assert.match(
      JSON.stringify(camera.Properties.Policies),
      new RegExp(
        `arn:aws-cn:kinesisvideo:cn-north-1:${ACCOUNT}:stream/\\$\\{credentials-iot:ThingName\\}/\\*`,
      ),
    );
    const [, backend] = backendRole(template);
    assert.match(
      JSON.stringify(backend.Properties.Policies),
      new RegExp(`arn:aws-cn:kinesisvideo:cn-north-1:${ACCOUNT}:stream/\\*`),
    );
    // Everything else stays in the stack's region.
    assert.match(JSON.stringify(template.toJSON()), /arn:aws-cn:iot:cn-northwest-1:/);
    template.hasOutput('VideoRegion', { Value: CHINA_REGION });
  });

  test('video=false: no KVS permission anywhere and no VideoRegion output', () => {
    const template = synth('cn-northwest-1', { video: false });
    assert.deepEqual(kvsGrants(template), []);
    assert.ok(!JSON.stringify(template.toJSON()).includes('kinesisvideo'));
    assert.equal((template.toJSON().Outputs as Record<string, unknown>).VideoRegion, undefined);
    // The camera role keeps its S3 grant.
    const [, camera] = only(template, 'AWS::IAM::Role', { RoleName: CAMERA_ROLE_NAME });
    assert.match(JSON.stringify(camera.Properties.Policies), /s3:PutObject/);
  });

  test('a video region in another partition, or with video=false, is refused', () => {
    assert.throws(() => buildStack(CHINA_REGION, { videoRegion: 'us-east-1' }), /another partition/);
    assert.throws(
      () => buildStack(GLOBAL_REGION, { video: false, videoRegion: 'us-east-1' }),
      /exclude each other/,
    );
  });
});

describe('the backend role trust', () => {
  test('backendAssumedBy: only that principal may assume the backend role', () => {
    const arn = `arn:aws:iam::${ACCOUNT}:role/camlink-backend-task`;
    const template = synth(GLOBAL_REGION, { backendAssumedBy: new iam.ArnPrincipal(arn) });
    const [, role] = backendRole(template);
    assert.deepEqual((role.Properties.AssumeRolePolicyDocument as { Statement: unknown[] }).Statement, [
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: arn } },
    ]);
  });

  test('the camera role trusts the credentials provider without source conditions', () => {
    const [, role] = only(synth(GLOBAL_REGION), 'AWS::IAM::Role', { RoleName: CAMERA_ROLE_NAME });
    assert.ok(!JSON.stringify(role.Properties.AssumeRolePolicyDocument).includes('Condition'));
  });
});
