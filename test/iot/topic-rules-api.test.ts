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
  RegisterCACertificateCommand,
  ReplaceTopicRuleCommand,
} from '@aws-sdk/client-iot';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { x509 } from '../../src/pki/x509.js';
import { subtle, privateKeyToPem } from '../../src/pki/keys.js';
import { UPLOAD_RULE_NAME, UPLOAD_RULE_SQL } from '../../src/contracts/upload-rule.js';
import { IotRegistry } from '../../src/iot/registry/registry.js';
import { parseTopicRulePayload } from '../../src/iot/rules/topic-rule-payload.js';
import { sdkOptions } from '../helpers/aws.js';
import { connectMqtt, SkewClock } from '../helpers/endpoint.js';
import { tempDir } from '../helpers/tmp.js';
import { platformConfig, startTestPlatform } from '../helpers/platform.js';
import { startCloudAccount } from '../../src/platform/platform.js';
import { createLogger } from '../../src/log/logger.js';

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
  const platform = await startCloudAccount(
    platformConfig(dataDir, { cloudAccount: { enabled: true }, iam: { enabled: true } }),
    createLogger({ level: 'silent' }),
  );
  t.after(() => platform.close());
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

test('topic rules with IAM: an SQS action runs only when its role trusts AWS IoT and may send to the queue', async (t) => {
  const dataDir = await tempDir(t);
  const clock = new SkewClock();
  const platform = await startCloudAccount(
    platformConfig(dataDir, { cloudAccount: { enabled: true }, iam: { enabled: true } }),
    createLogger({ level: 'silent' }),
    { clock },
  );
  t.after(() => platform.close());
  const e = platform.endpoints;
  const ca = await readFile(e.caPath);
  const iot = new IoTClient(sdkOptions(e.iot, ca, e.credentials));
  const sqs = new SQSClient(sdkOptions(e.sqs, ca, e.credentials));
  const iam = new IAMClient(sdkOptions(e.iam ?? '', ca, e.credentials));
  t.after(() => {
    iot.destroy();
    sqs.destroy();
    iam.destroy();
  });
  const account = e.accountId;
  const { QueueUrl: targetUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: 'target' }));
  const { QueueUrl: errorsUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: 'errors' }));
  const { Role: role } = await iam.send(
    new CreateRoleCommand({
      RoleName: 'rule-role',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  const allow = (queues: string[]) =>
    iam.send(
      new PutRolePolicyCommand({
        RoleName: 'rule-role',
        PolicyName: 'send',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'sqs:SendMessage',
              Resource: queues.map((q) => `arn:aws:sqs:us-east-1:${account}:${q}`),
            },
          ],
        }),
      }),
    );
  await allow(['errors']);
  const roleArn = role?.Arn ?? '';
  await iot.send(
    new CreateTopicRuleCommand({
      ruleName: 'with_role',
      topicRulePayload: {
        sql: "SELECT * FROM 'r/+'",
        awsIotSqlVersion: '2016-03-23',
        actions: [{ sqs: { queueUrl: targetUrl, roleArn } }],
        errorAction: { sqs: { queueUrl: errorsUrl, roleArn } },
      },
    }),
  );

  // A fresh account trusts no CA until the operator registers one (`camlink aws register-ca`).
  await iot.send(
    new RegisterCACertificateCommand({
      caCertificate: ca.toString(),
      certificateMode: 'SNI_ONLY',
      setAsActive: true,
    }),
  );
  const keys = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=roled',
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
  await iot.send(new CreatePolicyCommand({ policyName: 'roled', policyDocument }));
  await iot.send(new AttachPolicyCommand({ policyName: 'roled', target: cert.certificateArn }));
  await iot.send(new CreateThingCommand({ thingName: 'roled' }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'roled', principal: cert.certificateArn }));
  const files = {
    ca,
    cert: cert.certificatePem ?? '',
    key: await privateKeyToPem(keys.privateKey),
    clientId: 'roled',
    servername: 'localhost',
  };
  // The endpoint reloads its trust list when the CA registration event is handled: retry until then.
  const connect = async (clientId: string) => {
    for (let attempt = 1; ; attempt++) {
      const client = await connectMqtt(e.mqtt, { ...files, clientId }).catch((err: unknown) => {
        if (attempt >= 20) throw err;
        return undefined;
      });
      if (client !== undefined) {
        t.after(() => client.end(true));
        return client;
      }
    }
  };
  const device = await connect('roled');

  // The role may not send to "target": the action fails, the error action (allowed) reports it.
  // The failed publish is not acknowledged (docs/rules.md), so publish at QoS 0 and long-poll.
  await device.publishAsync('r/1', JSON.stringify({ n: 1 }), { qos: 0 });
  const errors = await sqs.send(new ReceiveMessageCommand({ QueueUrl: errorsUrl, WaitTimeSeconds: 10 }));
  const report = JSON.parse(errors.Messages?.[0]?.Body ?? '{}') as {
    ruleName?: string;
    failures?: { failedAction: string; errorMessage: string }[];
  };
  assert.equal(report.ruleName, 'with_role');
  assert.equal(report.failures?.[0]?.failedAction, 'SqsAction');
  assert.match(report.failures?.[0]?.errorMessage ?? '', /not authorized to perform: sqs:SendMessage/);

  // Allowed now: the upload reaches the queue. (The failed publish ended that connection; AWS allows
  // one CONNECT per second per client id, so the clock moves on before the device reconnects.)
  clock.advance(1100);
  await allow(['errors', 'target']);
  await (await connect('roled')).publishAsync('r/1', JSON.stringify({ n: 2 }), { qos: 1 });
  const delivered = await sqs.send(new ReceiveMessageCommand({ QueueUrl: targetUrl, WaitTimeSeconds: 10 }));
  assert.deepEqual(JSON.parse(delivered.Messages?.[0]?.Body ?? '{}'), { n: 2 });
});
