/** How clients reach the queue: by QueueUrl alone (useQueueUrlAsEndpoint), and plain HTTP in dev only. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { InMemoryCredentialStore } from '../../src/auth/credentials.js';
import { loadConfig } from '../../src/config/load.js';
import { startQueueServer } from '../../src/queue/server.js';
import { EXAMPLE_KEYS, startTestQueue } from '../helpers/queue.js';
import { tempDir } from '../helpers/tmp.js';

test('without an endpoint the SDK follows the QueueUrl to this server (useQueueUrlAsEndpoint default)', async (t) => {
  const { server, ca } = await startTestQueue(t);
  server.store.createQueue('by-url');
  const warnings: unknown[] = [];
  const sqs = new SQSClient({
    region: 'us-east-1',
    credentials: EXAMPLE_KEYS,
    maxAttempts: 1,
    logger: {
      debug: () => undefined,
      info: () => undefined,
      warn: (m: unknown) => warnings.push(m),
      error: () => undefined,
    },
    requestHandler: { httpsAgent: new Agent({ ca }) },
  });
  t.after(() => sqs.destroy());
  const QueueUrl = `${server.url}/000000000000/by-url`;
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'followed the url' }));
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
  assert.equal(got.Messages?.[0]?.Body, 'followed the url');
  assert.ok(warnings.length > 0, 'the SDK says it used the QueueUrl host');
});

test('queue.devHttp serves plain HTTP (development only); the default is HTTPS', async (t) => {
  const dataDir = await tempDir(t);
  const config = loadConfig({ env: {}, flags: { dataDir, queue: { port: 0, devHttp: true } } });
  assert.equal(loadConfig({ env: {} }).queue.devHttp, false);
  const server = await startQueueServer({
    config: config.queue,
    dataDir,
    region: 'us-east-1',
    accountId: '000000000000',
    credentials: new InMemoryCredentialStore([EXAMPLE_KEYS]),
  });
  t.after(() => server.close());
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const sqs = new SQSClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: EXAMPLE_KEYS,
    maxAttempts: 1,
  });
  t.after(() => sqs.destroy());
  assert.deepEqual((await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? [], []);
});
