/** The app's context settings (infra/lib/context.ts): defaults, and refusals with a clear message. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { App } from 'aws-cdk-lib';
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

  test('refusals', () => {
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
