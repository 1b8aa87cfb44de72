/**
 * `camlink queue dead-letters` / `redrive` as users run them (the real binary) against an SQS endpoint
 * reached the way AWS is: --region, --queue-url, an endpoint override and credentials from the SDK's
 * default chain (the environment). The embedded platform's default target is covered by
 * test/fault/dead-letters.test.ts.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { cli, cliProcess, errorCodeOf } from '../helpers/cli.js';
import { EXAMPLE_KEYS, startTestQueue } from '../helpers/queue.js';
import { tempDir } from '../helpers/tmp.js';

test('camlink queue with AWS flags: counts the dead-letter queue, redrives it, refuses a queue without one', async (t) => {
  const { server, client, ca } = await startTestQueue(t);
  const sqs = client();
  await sqs.send(new CreateQueueCommand({ QueueName: 'work-dlq' }));
  const { QueueUrl: workUrl = '' } = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'work',
      Attributes: {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:work-dlq',
          maxReceiveCount: 1,
        }),
      },
    }),
  );
  const { QueueUrl: plainUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: 'plain' }));
  for (const body of ['one', 'two'])
    await sqs.send(new SendMessageCommand({ QueueUrl: workUrl, MessageBody: body }));
  for (let i = 0; i < 2; i++) {
    await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: workUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    );
  }

  const dir = await tempDir(t);
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, ca);
  const env = {
    AWS_ACCESS_KEY_ID: EXAMPLE_KEYS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EXAMPLE_KEYS.secretAccessKey,
    HOME: dir,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const target = (queueUrl: string) => [
    '--region',
    'us-east-1',
    '--sqs-endpoint',
    server.url,
    '--queue-url',
    queueUrl,
    '--ca-file',
    caFile,
    '--data-dir',
    dir,
  ];

  const counted = await cliProcess(['queue', 'dead-letters', ...target(workUrl), '--json'], env);
  assert.equal(counted.code, 0, counted.stderr);
  const shown = JSON.parse(counted.stdout) as Record<string, unknown>;
  assert.equal(shown['dead-letter queue'], `${server.url}/000000000000/work-dlq`);
  assert.equal(shown.messages, 2);
  assert.equal(shown['last redrive'], 'none');

  const redriven = await cliProcess(['queue', 'redrive', ...target(workUrl)], env);
  assert.equal(redriven.code, 0, redriven.stderr);
  assert.match(redriven.stdout, /status +COMPLETED\n/);
  assert.match(redriven.stdout, /moved +2\n/);
  assert.match(redriven.stdout, /left +0\n/);
  const back = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: workUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  assert.equal(back.Attributes?.ApproximateNumberOfMessages, '2');

  const none = await cliProcess(['queue', 'redrive', ...target(plainUrl)], env);
  assert.equal(none.code, 1);
  assert.equal(errorCodeOf(none), 'QUEUE_NO_DEAD_LETTER_QUEUE');
  const rate = await cli(['queue', 'redrive', '--rate', '0', ...target(workUrl)]);
  assert.equal(rate.code, 2);
  assert.equal(errorCodeOf(rate), 'CLI_USAGE');
});
