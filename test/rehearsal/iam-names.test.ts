/**
 * IAM's cloud names are what @aws-sdk/client-iam dials with only `region` set: one host per partition
 * (iam.amazonaws.com, iam.cn-north-1.amazonaws.com.cn) and the region it signs for, which the public
 * certificate covers and the host map leads to the platform's IAM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { hostMapFor } from '../../src/rehearsal/host-map.js';
import {
  certificateNames,
  cloudNames,
  iamSigningRegion,
  type CloudTarget,
} from '../../src/rehearsal/names.js';
import { chinaTarget, globalTarget } from './helpers.js';

class Dialed extends Error {
  constructor(
    readonly host: string,
    readonly scope: string,
  ) {
    super(host);
  }
}

const recorder = {
  metadata: { handlerProtocol: 'http/1.1' },
  handle: (request: { hostname: string; headers: Record<string, string> }) =>
    Promise.reject(
      new Dialed(
        request.hostname,
        /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\//
          .exec(request.headers.authorization ?? '')
          ?.slice(1)
          .join('/') ?? '',
      ),
    ),
};

const credentials = { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x'.repeat(40) };
const targets: CloudTarget[] = [
  globalTarget,
  chinaTarget,
  { ...globalTarget, region: 'us-east-1' },
  { ...chinaTarget, region: 'cn-northwest-1' },
];

for (const target of targets) {
  test(`client-iam with only region ${target.region} dials names.ts's IAM host, signed as names.ts says`, async () => {
    const client = new IAMClient({
      region: target.region,
      credentials,
      requestHandler: recorder,
      maxAttempts: 1,
    });
    const dialed = await client.send(new ListRolesCommand({})).then(
      () => assert.fail('the request was sent'),
      (err: unknown) => (err instanceof Dialed ? err : assert.fail(String(err))),
    );
    const names = cloudNames(target);
    assert.equal(dialed.host, names.iam);
    assert.equal(dialed.scope, `${iamSigningRegion(target.partition)}/iam`);
    assert.ok(certificateNames(target).publicNames.includes(names.iam));
  });
}

test('the host map leads IAM to the platform only when it serves IAM', () => {
  const endpoints = {
    mqtt: 'mqtts://127.0.0.1:1',
    iot: 'https://127.0.0.1:2',
    s3: 'https://127.0.0.1:3',
    sqs: 'https://127.0.0.1:4',
    uploadQueueUrl: 'https://127.0.0.1:4/000000000000/q',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b', profile: 'p', sharedCredentialsFile: 'f' },
    caPath: 'ca',
    partition: 'aws' as const,
    region: 'ap-northeast-1',
    accountId: '000000000000',
    pid: 1,
    startedAt: 'now',
  };
  assert.equal(hostMapFor(globalTarget, endpoints)['iam.amazonaws.com:443'], undefined);
  assert.equal(
    hostMapFor(globalTarget, { ...endpoints, iam: 'https://127.0.0.1:5' })['iam.amazonaws.com:443'],
    '127.0.0.1:5',
  );
  assert.equal(
    hostMapFor(chinaTarget, { ...endpoints, partition: 'aws-cn', iam: 'https://127.0.0.1:5' })[
      'iam.cn-north-1.amazonaws.com.cn:443'
    ],
    '127.0.0.1:5',
  );
});
