/** The app's context settings (infra/lib/context.ts): defaults, and refusals with a clear message. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { App } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { camlinkStackSettings, DEFAULT_REGION } from '../../infra/lib/context.js';

const settings = (context: Record<string, string>, env: NodeJS.ProcessEnv = {}) =>
  camlinkStackSettings(new App({ context }).node, env);

describe('camlinkStackSettings', () => {
  test('defaults: ap-northeast-1, account left to CloudFormation, no custom domain', () => {
    const { stackName, props } = settings({});
    assert.equal(stackName, 'camlink');
    assert.deepEqual(props.env, { region: DEFAULT_REGION });
    assert.equal(props.customDomain, undefined);
    assert.deepEqual(props.mediaBucket, {});
  });

  test('region and account from context; account falls back to CDK_DEFAULT_ACCOUNT', () => {
    assert.deepEqual(settings({ region: 'cn-north-1', account: '111122223333' }).props.env, {
      region: 'cn-north-1',
      account: '111122223333',
    });
    assert.deepEqual(settings({}, { CDK_DEFAULT_ACCOUNT: '444455556666' }).props.env, {
      region: DEFAULT_REGION,
      account: '444455556666',
    });
  });

  test('bucket options', () => {
    const { props } = settings({
      bucketName: 'my-media',
      corsOrigins: 'https://a.example.com, https://b.example.com',
      expirationDays: '90',
    });
    assert.deepEqual(props.mediaBucket, {
      bucketName: 'my-media',
      corsAllowedOrigins: ['https://a.example.com', 'https://b.example.com'],
      expirationDays: 90,
    });
  });

  test('a custom domain takes all four keys and icpFiled', () => {
    const { props } = settings({
      region: 'cn-north-1',
      domainName: 'iot.example.cn',
      hostedZoneId: 'Z1',
      zoneName: 'example.cn',
      iotEndpoint: 'a1.ats.iot.cn-north-1.amazonaws.com.cn',
      icpFiled: 'true',
    });
    assert.deepEqual(props.customDomain, {
      domainName: 'iot.example.cn',
      hostedZoneId: 'Z1',
      zoneName: 'example.cn',
      iotEndpoint: 'a1.ats.iot.cn-north-1.amazonaws.com.cn',
      icpFiled: true,
    });
  });

  test('video, videoRegion and backendAssumedBy', () => {
    assert.equal(settings({}).props.video, undefined);
    assert.equal(settings({ video: 'false' }).props.video, false);
    assert.equal(
      settings({ region: 'cn-northwest-1', videoRegion: 'cn-north-1' }).props.videoRegion,
      'cn-north-1',
    );
    const arn = 'arn:aws-cn:iam::111122223333:role/camlink-backend-task';
    const principal = settings({ region: 'cn-north-1', backendAssumedBy: arn }).props.backendAssumedBy;
    assert.ok(principal instanceof iam.ArnPrincipal);
    assert.equal(principal.arn, arn);
    assert.equal(settings({}).props.backendAssumedBy, undefined);
  });

  test('icpFiled still parses (old command lines) but enables nothing by itself', () => {
    assert.equal(settings({ icpFiled: 'true' }).props.customDomain, undefined);
  });

  test('refusals', () => {
    assert.throws(() => settings({ videoRegion: 'beijing' }), /videoRegion "beijing" is not an AWS region/);
    assert.throws(() => settings({ video: 'no' }), /video must be true or false/);
    assert.throws(() => settings({ video: 'false', videoRegion: 'us-east-1' }), /exclude each other/);
    assert.throws(
      () => settings({ backendAssumedBy: 'ecs-tasks.amazonaws.com' }),
      /IAM role, user or account root ARN/,
    );
    assert.throws(
      () => settings({ region: 'cn-north-1', backendAssumedBy: 'arn:aws:iam::111122223333:root' }),
      /not in the aws-cn partition/,
    );
    assert.throws(() => settings({ region: 'tokyo' }), /not an AWS region name/);
    assert.throws(() => settings({ account: '12345' }), /12-digit/);
    assert.throws(() => settings({ expirationDays: 'soon' }), /whole number/);
    assert.throws(
      () => settings({ domainName: 'iot.example.com' }),
      /missing hostedZoneId, zoneName, iotEndpoint/,
    );
    assert.throws(
      () =>
        settings({
          domainName: 'iot.example.com',
          hostedZoneId: 'Z1',
          zoneName: 'example.com',
          iotEndpoint: 'e',
          icpFiled: 'yes',
        }),
      /icpFiled must be true or false/,
    );
  });
});
