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
import { ICP_REQUIRED_MESSAGE } from '../../infra/lib/domain.js';
import {
  ACCOUNT,
  CHINA_REGION,
  GLOBAL_REGION,
  actionsOf,
  buildStack,
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
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 'iot.amazonaws.com' } })],
        },
      });
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
      assert.match(JSON.stringify(role.Properties.AssumeRolePolicyDocument), /"iot\.amazonaws\.com"/);
      template.hasResourceProperties('AWS::IoT::ThingType', { ThingTypeName: 'camlink-camera' });
    });

    test('the backend role grants no service-wide or global actions, and S3 only under devices/', () => {
      const [roleId] = only(template, 'AWS::IAM::Role', {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { AWS: Match.anyValue() } })],
        }),
      });
      const [, policy] = only(template, 'AWS::IAM::Policy', { Roles: [{ Ref: roleId }] });
      const statements = statementsOf(policy.Properties.PolicyDocument);
      const actions = statements.flatMap(actionsOf);
      for (const action of actions) {
        assert.notEqual(action, '*');
        assert.doesNotMatch(action, /^[a-z0-9-]+:\*$/, `${action} is a whole service`);
      }
      for (const needed of [
        's3:PutObject',
        's3:DeleteObject*',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
        'iot:CreateThing',
        'iot:CreateCertificateFromCsr',
        'iot:AttachPolicy',
        'iot:AttachThingPrincipal',
        'iot:UpdateCertificate',
        'kinesisvideo:CreateStream',
        'kinesisvideo:GetHLSStreamingSessionURL',
      ]) {
        assert.ok(actions.includes(needed), `backend role lacks ${needed}`);
      }
      // '*' resources only for the two IoT actions IAM cannot scope.
      const global = statements.filter((s) => s.Resource === '*').flatMap(actionsOf);
      assert.deepEqual(global.sort(), ['iot:CreateCertificateFromCsr', 'iot:DescribeEndpoint']);
      for (const s of statements.filter((st) => actionsOf(st).some((a) => a.startsWith('s3:')))) {
        const objectArns = JSON.stringify(s.Resource);
        assert.ok(!objectArns.includes('/*"') || objectArns.includes('/devices/*'), objectArns);
      }
      assert.ok(text.includes(`"arn:${scope.partition}:kinesisvideo:${scope.region}:${ACCOUNT}:stream/*"`));
    });

    test('outputs: queue URL, bucket, role alias, JITP role, backend role', () => {
      const outputs = Object.keys(template.toJSON().Outputs as Record<string, unknown>);
      for (const name of [
        'UploadQueueUrl',
        'MediaBucketName',
        'CameraRoleAlias',
        'JitpRoleArn',
        'BackendRoleArn',
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

  test('in AWS China it is refused without an ICP filing', () => {
    assert.throws(
      () => buildStack(CHINA_REGION, { customDomain: domain }),
      (err: unknown) => err instanceof Error && err.message.includes(ICP_REQUIRED_MESSAGE),
    );
  });

  test('in AWS China with icpFiled it is created', () => {
    const template = synth(CHINA_REGION, { customDomain: { ...domain, icpFiled: true } });
    template.resourceCountIs('AWS::IoT::DomainConfiguration', 1);
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
