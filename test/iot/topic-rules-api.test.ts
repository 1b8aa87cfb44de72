/**
 * Topic rules through @aws-sdk/client-iot against the embedded platform: create, get, list, replace,
 * disable, enable, delete with AWS's shapes and errors; an upload published on MQTT reaches a queue
 * through a rule created by the API (and stops when the rule is disabled or deleted); unsupported
 * action types and SQL the engine cannot parse are refused and never stored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateCertificateFromCsrCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  CreateTopicRuleCommand,
  DeleteTopicRuleCommand,
  DisableTopicRuleCommand,
  EnableTopicRuleCommand,
  GetTopicRuleCommand,
  IoTClient,
  ListTopicRulesCommand,
  ReplaceTopicRuleCommand,
} from '@aws-sdk/client-iot';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { x509 } from '../../src/pki/x509.js';
import { subtle, privateKeyToPem } from '../../src/pki/keys.js';
import { UPLOAD_RULE_NAME, UPLOAD_RULE_SQL } from '../../src/contracts/upload-rule.js';
import { IotRegistry } from '../../src/iot/registry/registry.js';
import { parseTopicRulePayload } from '../../src/iot/rules/topic-rule-payload.js';
import { sdkOptions } from '../helpers/aws.js';
import { connectMqtt } from '../helpers/endpoint.js';
import { tempDir } from '../helpers/tmp.js';
import { startTestPlatform } from '../helpers/platform.js';

const ROLE = 'arn:aws:iam::123456789012:role/rule-role';

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : String(err);
}

test('topic rules API: CRUD with AWS shapes; an API-created rule carries MQTT uploads to a queue', async (t) => {
  const dataDir = await tempDir(t);
  const { platform } = await startTestPlatform(t, dataDir, {
    extra: { backend: { reconciler: { enabled: false } } },
  });
  const { endpoints } = platform;
  const ca = await readFile(endpoints.caPath);
  const iot = new IoTClient(sdkOptions(endpoints.iot, ca, endpoints.credentials));
  const sqs = new SQSClient(sdkOptions(endpoints.sqs, ca, endpoints.credentials));
  t.after(() => {
    iot.destroy();
    sqs.destroy();
  });

  // The built-in upload rule is visible through GetTopicRule (what `camlink aws doctor` reads).
  const builtIn = await iot.send(new GetTopicRuleCommand({ ruleName: UPLOAD_RULE_NAME }));
  assert.equal(builtIn.rule?.sql, UPLOAD_RULE_SQL);
  assert.equal(builtIn.rule?.ruleDisabled, false);
  assert.equal(builtIn.rule?.actions?.[0]?.sqs?.queueUrl, endpoints.uploadQueueUrl);

  const { QueueUrl: queueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: 'rule-target' }));
  const { QueueUrl: dlqUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: 'rule-errors' }));
  // The SQS action may name the queue by its cloud URL: the embedded queue of that account/name.
  const cloudUrl = `https://sqs.ap-northeast-1.amazonaws.com/${endpoints.accountId}/rule-target`;
  const payload = (sql: string, disabled = false) => ({
    sql,
    awsIotSqlVersion: '2016-03-23',
    ruleDisabled: disabled,
    actions: [{ sqs: { queueUrl: cloudUrl, roleArn: ROLE, useBase64: false } }],
    errorAction: { sqs: { queueUrl: dlqUrl, roleArn: ROLE } },
  });
  await iot.send(
    new CreateTopicRuleCommand({
      ruleName: 'api_rule',
      topicRulePayload: {
        ...payload("SELECT *, topic(2) AS device FROM 'test/+/uploads'"),
        description: 'd',
      },
    }),
  );
  const got = await iot.send(new GetTopicRuleCommand({ ruleName: 'api_rule' }));
  assert.match(got.ruleArn ?? '', /^arn:aws:iot:[a-z0-9-]+:\d{12}:rule\/api_rule$/);
  assert.equal(got.rule?.ruleName, 'api_rule');
  assert.equal(got.rule?.description, 'd');
  assert.equal(got.rule?.awsIotSqlVersion, '2016-03-23');
  assert.deepEqual(got.rule?.actions, [{ sqs: { queueUrl: cloudUrl, roleArn: ROLE, useBase64: false } }]);
  assert.deepEqual(got.rule?.errorAction, { sqs: { queueUrl: dlqUrl, roleArn: ROLE } });
  assert.ok(got.rule?.createdAt instanceof Date);

  await assert.rejects(
    iot.send(
      new CreateTopicRuleCommand({ ruleName: 'api_rule', topicRulePayload: payload("SELECT * FROM 'a'") }),
    ),
    (err) => errorName(err) === 'ResourceAlreadyExistsException',
  );
  const listed = await iot.send(new ListTopicRulesCommand({ topic: 'test/+/uploads' }));
  assert.deepEqual(
    listed.rules?.map((r) => [r.ruleName, r.topicPattern, r.ruleDisabled]),
    [['api_rule', 'test/+/uploads', false]],
  );

  // A device publishes; the API-created rule puts the upload on the queue.
  const keys = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=tester',
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const cert = await iot.send(
    new CreateCertificateFromCsrCommand({
      certificateSigningRequest: csr.toString('pem'),
      setAsActive: true,
    }),
  );
  const policyDocument = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }],
  });
  await iot.send(new CreatePolicyCommand({ policyName: 'tester', policyDocument }));
  await iot.send(new AttachPolicyCommand({ policyName: 'tester', target: cert.certificateArn }));
  await iot.send(new CreateThingCommand({ thingName: 'tester' }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'tester', principal: cert.certificateArn }));
  const device = await connectMqtt(endpoints.mqtt, {
    ca,
    cert: cert.certificatePem ?? '',
    key: await privateKeyToPem(keys.privateKey),
    clientId: 'tester',
    servername: 'localhost',
  });
  t.after(() => device.end(true));
  const receive = async (url: string) =>
    (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }))).Messages ?? [];

  // PUBACK comes after the rule's actions completed, so the message is in the queue when it resolves.
  await device.publishAsync('test/cam1/uploads', JSON.stringify({ key: 'k1' }), { qos: 1 });
  const first = await receive(queueUrl);
  assert.equal(first.length, 1);
  assert.deepEqual(JSON.parse(first[0]?.Body ?? '{}'), { key: 'k1', device: 'cam1' });

  // Disabled: nothing arrives. Enabled again: it flows. Replace changes the SQL at once.
  await iot.send(new DisableTopicRuleCommand({ ruleName: 'api_rule' }));
  assert.equal((await iot.send(new GetTopicRuleCommand({ ruleName: 'api_rule' }))).rule?.ruleDisabled, true);
  assert.deepEqual(
    (await iot.send(new ListTopicRulesCommand({ ruleDisabled: true }))).rules?.map((r) => r.ruleName),
    ['api_rule'],
  );
  await device.publishAsync('test/cam1/uploads', JSON.stringify({ key: 'k2' }), { qos: 1 });
  assert.equal((await receive(queueUrl)).length, 0);
  await iot.send(new EnableTopicRuleCommand({ ruleName: 'api_rule' }));
  await iot.send(
    new ReplaceTopicRuleCommand({
      ruleName: 'api_rule',
      topicRulePayload: payload("SELECT key FROM 'test/+/uploads' WHERE key = 'k3'"),
    }),
  );
  await device.publishAsync('test/cam1/uploads', JSON.stringify({ key: 'k2' }), { qos: 1 });
  await device.publishAsync('test/cam1/uploads', JSON.stringify({ key: 'k3' }), { qos: 1 });
  const replaced = await receive(queueUrl);
  assert.deepEqual(
    replaced.map((m) => JSON.parse(m.Body ?? '{}') as unknown),
    [{ key: 'k3' }],
  );

  // Deleted: gone from the API and from the engine; a missing rule is UnauthorizedException (AWS).
  await iot.send(new DeleteTopicRuleCommand({ ruleName: 'api_rule' }));
  await assert.rejects(
    iot.send(new GetTopicRuleCommand({ ruleName: 'api_rule' })),
    (err) => errorName(err) === 'UnauthorizedException',
  );
  await assert.rejects(
    iot.send(new DeleteTopicRuleCommand({ ruleName: 'api_rule' })),
    (err) => errorName(err) === 'UnauthorizedException',
  );
  await device.publishAsync('test/cam1/uploads', JSON.stringify({ key: 'k3' }), { qos: 1 });
  assert.equal((await receive(queueUrl)).length, 0);
});

test('topic rules API: unsupported actions, bad SQL and bad names are refused and never stored', async (t) => {
  const dataDir = await tempDir(t);
  const { platform } = await startTestPlatform(t, dataDir, { extra: { cloudAccount: { enabled: true } } });
  const { endpoints } = platform;
  const iot = new IoTClient(
    sdkOptions(endpoints.iot, await readFile(endpoints.caPath), endpoints.credentials),
  );
  t.after(() => iot.destroy());

  // A fresh cloud account: no built-in rule.
  assert.deepEqual((await iot.send(new ListTopicRulesCommand({}))).rules, []);
  await assert.rejects(
    iot.send(new GetTopicRuleCommand({ ruleName: UPLOAD_RULE_NAME })),
    (err) => errorName(err) === 'UnauthorizedException',
  );

  const base = { sql: "SELECT * FROM 'a/b'", awsIotSqlVersion: '2016-03-23' };
  const refused = async (ruleName: string, topicRulePayload: object, name: string, message: RegExp) => {
    await assert.rejects(
      iot.send(
        new CreateTopicRuleCommand({
          ruleName,
          topicRulePayload: topicRulePayload as never,
        }),
      ),
      (err) => errorName(err) === name && message.test((err as Error).message),
    );
  };
  await refused(
    'lambda_rule',
    { ...base, actions: [{ lambda: { functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f' } }] },
    'InvalidRequestException',
    /the lambda action is not supported here/,
  );
  await refused(
    'dynamo_error',
    {
      ...base,
      actions: [{ republish: { topic: 'out/x', roleArn: ROLE } }],
      errorAction: { dynamoDB: { tableName: 't', roleArn: ROLE, hashKeyField: 'k', hashKeyValue: 'v' } },
    },
    'InvalidRequestException',
    /errorAction: the dynamoDB action is not supported here/,
  );
  await refused('bad_sql', { ...base, sql: 'SELEC * FROM', actions: [] }, 'SqlParseException', /sql/);
  await refused(
    'old_sql',
    { sql: "SELECT * FROM 'a'", actions: [] },
    'InvalidRequestException',
    /awsIotSqlVersion/,
  );
  await refused('bad-name', { ...base, actions: [] }, 'InvalidRequestException', /ruleName/);
  await refused(
    'loop',
    { ...base, actions: [{ republish: { topic: 'a/b', roleArn: ROLE } }] },
    'InvalidRequestException',
    /trigger itself/,
  );
  assert.deepEqual((await iot.send(new ListTopicRulesCommand({}))).rules, []);
});

test('topic rules persist in the registry database and are announced on every change', async (t) => {
  const dir = await tempDir(t);
  const scope = { partition: 'aws', region: 'us-east-1', account: '000000000000' } as const;
  const path = join(dir, 'iot.db');
  const registry = IotRegistry.open(path, scope);
  const changes: string[] = [];
  registry.events.on('rules-changed', (name) => changes.push(name));
  const payload = parseTopicRulePayload({
    sql: "SELECT * FROM 'a/b'",
    awsIotSqlVersion: '2016-03-23',
    actions: [{ republish: { topic: 'c/d', roleArn: ROLE, qos: 1 } }],
  });
  registry.createTopicRule('kept', payload);
  registry.setTopicRuleDisabled('kept', true);
  registry.close();
  assert.deepEqual(changes, ['kept', 'kept']);

  const reopened = IotRegistry.open(path, scope);
  t.after(() => reopened.close());
  assert.deepEqual(reopened.ruleDefinitions(), [
    {
      name: 'kept',
      sql: "SELECT * FROM 'a/b'",
      actions: [{ republish: { topic: 'c/d', qos: 1, roleArn: ROLE } }],
      enabled: false,
    },
  ]);
});
