/**
 * The cloud names are what the real clients dial: each SDK client is asked, with only `region` set,
 * which host it would send to (a request handler that records the request instead of sending it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { IoTClient, ListThingsCommand } from '@aws-sdk/client-iot';
import { KinesisVideoClient, ListStreamsCommand } from '@aws-sdk/client-kinesis-video';
import sts from '@aws-sdk/nested-clients/sts';
import { isCamlinkError } from '../../src/errors/camlink-error.js';
import {
  certificateNames,
  cloudNames,
  cosBucketHost,
  kvsDataEndpoint,
  s3BucketHost,
  type CloudTarget,
} from '../../src/rehearsal/names.js';
import { resolveAddress } from '../../src/storage/address.js';
import { chinaTarget, globalTarget } from './helpers.js';

class Dialed extends Error {
  constructor(readonly host: string) {
    super(host);
  }
}

const recorder = {
  metadata: { handlerProtocol: 'http/1.1' },
  handle: (request: { hostname: string }) => Promise.reject(new Dialed(request.hostname)),
};

async function hostOf(send: () => Promise<unknown>): Promise<string> {
  try {
    await send();
  } catch (err) {
    if (err instanceof Dialed) return err.host;
    throw err;
  }
  throw new Error('the request was sent');
}

const credentials = { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x'.repeat(40) };
const targets: CloudTarget[] = [
  globalTarget,
  chinaTarget,
  { ...globalTarget, region: 'us-east-1' },
  { ...chinaTarget, region: 'cn-northwest-1' },
];

for (const target of targets) {
  test(`SDK clients with only region ${target.region} dial the names of names.ts`, async () => {
    const names = cloudNames(target);
    const common = { region: target.region, credentials, requestHandler: recorder, maxAttempts: 1 };
    assert.equal(
      await hostOf(() =>
        new S3Client(common).send(new PutObjectCommand({ Bucket: 'camlink-media', Key: 'k', Body: 'x' })),
      ),
      s3BucketHost(target, 'camlink-media'),
    );
    // A dotted bucket goes path-style to the regional name.
    assert.equal(
      await hostOf(() =>
        new S3Client(common).send(new PutObjectCommand({ Bucket: 'a.b.c', Key: 'k', Body: 'x' })),
      ),
      names.s3,
    );
    assert.equal(
      await hostOf(() => new SQSClient(common).send(new GetQueueUrlCommand({ QueueName: 'q' }))),
      names.sqs,
    );
    assert.equal(await hostOf(() => new IoTClient(common).send(new ListThingsCommand({}))), names.iotControl);
    assert.equal(
      await hostOf(() => new KinesisVideoClient(common).send(new ListStreamsCommand({}))),
      names.kvs,
    );
    assert.equal(
      await hostOf(() =>
        new sts.STSClient(common).send(
          new sts.AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/r', RoleSessionName: 'sn' }),
        ),
      ),
      names.sts,
    );
  });
}

test('IoT, KVS data and COS names follow DescribeEndpoint / GetDataEndpoint / COS forms', () => {
  const g = cloudNames(globalTarget);
  assert.equal(g.iotData, 'a1b2c3d4e5f6g7-ats.iot.ap-northeast-1.amazonaws.com');
  assert.equal(g.iotCredentials, 'a1b2c3d4e5f6g7.credentials.iot.ap-northeast-1.amazonaws.com');
  const c = cloudNames(chinaTarget);
  assert.equal(c.iotData, 'a1b2c3d4e5f6g7.ats.iot.cn-north-1.amazonaws.com.cn');
  assert.equal(c.iotCredentials, 'a1b2c3d4e5f6g7.credentials.iot.cn-north-1.amazonaws.com.cn');
  assert.equal(c.s3, 's3.cn-north-1.amazonaws.com.cn');
  assert.equal(
    kvsDataEndpoint(chinaTarget, 's-1a2b3c4d'),
    'https://s-1a2b3c4d.kinesisvideo.cn-north-1.amazonaws.com.cn',
  );
  assert.equal(
    cosBucketHost(chinaTarget, 'camlink-media'),
    'camlink-media-1250000000.cos.ap-shanghai.myqcloud.com',
  );
  assert.equal(c.cos?.service, 'cos.ap-shanghai.myqcloud.com');
  const { publicNames, atsNames } = certificateNames(chinaTarget);
  assert.deepEqual(atsNames, [c.iotData, c.iotCredentials]);
  assert.ok(publicNames.includes('*.cos.ap-shanghai.myqcloud.com'));
  assert.ok(publicNames.includes('*.s3.cn-north-1.amazonaws.com.cn'));
  assert.ok(!publicNames.includes(c.iotData));
});

test('a target whose region is not in its partition is refused', () => {
  assert.throws(
    () => cloudNames({ ...globalTarget, region: 'cn-north-1' }),
    (err: unknown) => isCamlinkError(err, 'REHEARSAL_TARGET_INVALID'),
  );
  assert.throws(
    () => cloudNames({ ...chinaTarget, region: 'ap-northeast-1' }),
    (err: unknown) => isCamlinkError(err, 'REHEARSAL_TARGET_INVALID'),
  );
});

test('the store resolves virtual-hosted S3 and COS names of the targets as buckets', () => {
  for (const target of [globalTarget, chinaTarget]) {
    const names = cloudNames(target);
    const domains = [
      'localhost',
      names.s3VirtualHostDomain,
      ...(names.cos ? [names.cos.virtualHostDomain] : []),
    ];
    assert.deepEqual(resolveAddress(`camlink-media.${names.s3}`, '/devices/a.jpg', domains), {
      bucket: 'camlink-media',
      key: 'devices/a.jpg',
      virtualHost: true,
    });
    assert.deepEqual(resolveAddress(`${names.s3}:443`, '/camlink-media/devices/a.jpg', domains), {
      bucket: 'camlink-media',
      key: 'devices/a.jpg',
      virtualHost: false,
    });
  }
  const cos = cosBucketHost(chinaTarget, 'camlink-media');
  assert.deepEqual(
    resolveAddress(cos, '/k', ['localhost', cloudNames(chinaTarget).cos?.virtualHostDomain ?? '']),
    { bucket: 'camlink-media-1250000000', key: 'k', virtualHost: true },
  );
});
