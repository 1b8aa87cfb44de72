/**
 * The checks the embedded platform cannot exercise (topic rules, bucket CORS, failed calls), against
 * stub clients that answer as AWS does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IoTClient } from '@aws-sdk/client-iot';
import type { S3Client } from '@aws-sdk/client-s3';
import { UPLOAD_RULE_SQL } from '../../contracts/upload-rule.js';
import { checkBucketCors } from './bucket-cors.js';
import { isFailure } from './check.js';
import { checkDataEndpoint } from './data-endpoint.js';
import { checkUploadRule } from './upload-rule.js';

function serviceError(name: string, message: string, httpStatusCode: number): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
}

/** A client whose send() answers `answer` (or throws it when it is an Error). */
function stub<C>(answer: unknown): C {
  const send = (): Promise<unknown> =>
    answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  return { send } as unknown as C;
}

test('upload rule: contract SQL with an SQS action is OK; other SQL, disabled, no action are DIFFERENT', async () => {
  const rule = (over: object) => ({
    rule: {
      ruleName: 'camlink_uploads',
      sql: `  ${UPLOAD_RULE_SQL.replaceAll(' ', '\n  ')} `,
      ruleDisabled: false,
      actions: [{ sqs: { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/camlink-uploads', roleArn: 'r' } }],
      ...over,
    },
  });
  const ok = await checkUploadRule(stub<IoTClient>(rule({})));
  assert.equal(ok.status, 'OK');
  assert.match(ok.detail, /-> sqs https:\/\/sqs\.eu-west-1/);
  assert.equal(
    (await checkUploadRule(stub<IoTClient>(rule({ sql: "SELECT * FROM 'x'" })))).status,
    'DIFFERENT',
  );
  assert.match((await checkUploadRule(stub<IoTClient>(rule({ ruleDisabled: true })))).detail, /disabled/);
  assert.match((await checkUploadRule(stub<IoTClient>(rule({ actions: [] })))).detail, /no SQS action/);
});

test('upload rule: AWS answers UnauthorizedException for an absent rule (MISSING); the embedded API has none (UNCHECKED)', async () => {
  const absent = serviceError('UnauthorizedException', 'Access to rule camlink_uploads denied', 401);
  assert.equal((await checkUploadRule(stub<IoTClient>(absent))).status, 'MISSING');
  const embedded = serviceError('ResourceNotFoundException', 'no operation GET /rules/camlink_uploads', 404);
  const unchecked = await checkUploadRule(stub<IoTClient>(embedded));
  assert.equal(unchecked.status, 'UNCHECKED');
  assert.equal(isFailure(unchecked), false);
  const throttled = await checkUploadRule(
    stub<IoTClient>(serviceError('ThrottlingException', 'slow down', 429)),
  );
  assert.equal(throttled.status, 'ERROR');
  assert.equal(isFailure(throttled), true);
  assert.match(throttled.detail, /^GetTopicRule: ThrottlingException: slow down$/);
});

test('bucket CORS: a rule allowing PUT is OK; none is DIFFERENT; no configuration or bucket is MISSING', async () => {
  const cors = (methods: string[]) => ({
    CORSRules: [{ AllowedMethods: methods, AllowedOrigins: ['https://app.example'], AllowedHeaders: ['*'] }],
  });
  const ok = await checkBucketCors(stub<S3Client>(cors(['GET', 'PUT'])), 'media');
  assert.equal(ok.status, 'OK');
  assert.match(ok.detail, /PUT allowed from https:\/\/app\.example/);
  assert.equal((await checkBucketCors(stub<S3Client>(cors(['GET'])), 'media')).status, 'DIFFERENT');
  const none = serviceError('NoSuchCORSConfiguration', 'The CORS configuration does not exist', 404);
  assert.equal((await checkBucketCors(stub<S3Client>(none), 'media')).status, 'MISSING');
  const bucket = serviceError('NoSuchBucket', 'The specified bucket does not exist', 404);
  assert.match((await checkBucketCors(stub<S3Client>(bucket), 'media')).detail, /no bucket media/);
  const notImplemented = serviceError('NotImplemented', 'not implemented', 501);
  assert.equal((await checkBucketCors(stub<S3Client>(notImplemented), 'media')).status, 'UNCHECKED');
});

test('a call that cannot be made (no credentials) is ERROR, not UNCHECKED', async () => {
  const noCreds = Object.assign(new Error('Could not load credentials from any providers'), {
    name: 'CredentialsProviderError',
  });
  const r = await checkDataEndpoint(stub<IoTClient>(noCreds));
  assert.equal(r.status, 'ERROR');
  assert.match(r.detail, /CredentialsProviderError/);
});

test('upload rule: its SQS action must target the upload queue when one is given', async () => {
  const queue = 'https://sqs.eu-west-1.amazonaws.com/111122223333/camlink-uploads';
  const rule = (queueUrl: string) => ({
    rule: {
      ruleName: 'camlink_uploads',
      sql: UPLOAD_RULE_SQL,
      ruleDisabled: false,
      actions: [{ sqs: { queueUrl, roleArn: 'r' } }],
    },
  });
  assert.equal((await checkUploadRule(stub<IoTClient>(rule(queue)), queue)).status, 'OK');
  const other = await checkUploadRule(
    stub<IoTClient>(rule('https://sqs.eu-west-1.amazonaws.com/111122223333/something-else')),
    queue,
  );
  assert.equal(other.status, 'DIFFERENT');
  assert.match(other.detail, /-> sqs .*something-else, not the upload queue .*camlink-uploads$/);
  const unknown = await checkUploadRule(stub<IoTClient>(rule(queue)));
  assert.equal(unknown.status, 'OK');
  assert.match(unknown.detail, /no queue URL to compare/);
});
