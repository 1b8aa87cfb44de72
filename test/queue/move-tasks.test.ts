/**
 * Dead-letter queues and their redrive with the official @aws-sdk/client-sqs: a dead-lettered message
 * is logged; StartMessageMoveTask / ListMessageMoveTasks / CancelMessageMoveTask with SQS's semantics
 * and errors (shapes and messages as Amazon SQS answers them); a task survives a restart; and an
 * assumed role holds the backend role policy on the queue's operations. Progress is awaited from the
 * store's move-task events, never slept.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import {
  CancelMessageMoveTaskCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  ResourceNotFoundException,
  SendMessageCommand,
  SQSServiceException,
  StartMessageMoveTaskCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { RolePolicies } from '../../src/auth/role-policy.js';
import { backendRolePolicy } from '../../src/contracts/backend-role.js';
import { UPLOAD_DLQ_NAME, UPLOAD_QUEUE_NAME } from '../../src/contracts/upload-queue.js';
import { createLogger } from '../../src/log/logger.js';
import type { MoveTaskStatus } from '../../src/queue/move-tasks.js';
import { QueueStore } from '../../src/queue/store.js';
import { startTestQueue } from '../helpers/queue.js';
import { tempDir } from '../helpers/tmp.js';

const ACCOUNT = '000000000000';
const arn = (name: string) => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;

/** A dead-letter queue `dlq` and source queues that dead-letter into it after one receive. */
async function dlqPipe(sqs: SQSClient, dlq: string, sources: readonly string[]) {
  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: dlq }))).QueueUrl ?? '';
  const urls: string[] = [];
  for (const name of sources) {
    const out = await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn(dlq), maxReceiveCount: 1 }),
        },
      }),
    );
    urls.push(out.QueueUrl ?? '');
  }
  return { dlqUrl, urls };
}

/** Sends each body and receives it twice: the second receive moves it to the dead-letter queue. */
async function deadLetter(sqs: SQSClient, queueUrl: string, bodies: readonly string[]) {
  for (const body of bodies) {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'notification' } },
      }),
    );
  }
  // VisibilityTimeout 0 leaves the messages visible: the first receive counts 1, the second moves them.
  const first = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
  );
  assert.equal(first.Messages?.length, bodies.length);
  const second = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
  );
  assert.equal(second.Messages?.length ?? 0, 0);
}

async function counts(sqs: SQSClient, queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

async function refusal(
  promise: Promise<unknown>,
): Promise<{ name: string; status?: number; message: string }> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof SQSServiceException, String(err));
    return { name: err.name, status: err.$metadata.httpStatusCode, message: err.message };
  }
  throw new Error('expected a refusal');
}

function finished(server: { store: QueueStore }): Promise<[string, MoveTaskStatus]> {
  return once(server.store.moveTasks.events, 'finished') as Promise<[string, MoveTaskStatus]>;
}

async function receiveAll(sqs: SQSClient, queueUrl: string) {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      MessageAttributeNames: ['All'],
    }),
  );
  return out.Messages ?? [];
}

test('a dead-lettered message is logged; redrive without a destination returns each message to its own source', async (t) => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug' }, { write: (line) => void lines.push(line) });
  const { server, client } = await startTestQueue(t, { logger });
  const sqs = client();
  const { dlqUrl, urls } = await dlqPipe(sqs, 'dead', ['first', 'second']);
  const [firstUrl = '', secondUrl = ''] = urls;
  const dead: string[] = [];
  server.store.events.on('dead-lettered', (m) => dead.push(m.messageId));
  await deadLetter(sqs, firstUrl, ['a', 'b']);
  await deadLetter(sqs, secondUrl, ['c']);
  assert.equal(await counts(sqs, dlqUrl), 3);
  assert.equal(dead.length, 3);
  const logged = lines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === 'message moved to the dead-letter queue');
  assert.equal(logged.length, 3);
  assert.equal(logged[0]?.level, 40, 'a warn line');
  assert.deepEqual(
    logged.map((l) => [l.queue, l.deadLetterQueue, l.receiveCount]),
    [
      ['first', 'dead', 1],
      ['first', 'dead', 1],
      ['second', 'dead', 1],
    ],
  );
  assert.deepEqual(new Set(logged.map((l) => l.messageId)), new Set(dead));

  const done = finished(server);
  const started = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('dead') }));
  // Amazon SQS's form: base64 of {"taskId","sourceArn"}.
  const handle = JSON.parse(Buffer.from(started.TaskHandle ?? '', 'base64').toString()) as Record<
    string,
    string
  >;
  assert.equal(handle.sourceArn, arn('dead'));
  assert.match(handle.taskId ?? '', /^[0-9a-f-]{36}$/);
  assert.equal((await done)[1], 'COMPLETED');

  const listed = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: arn('dead') }));
  assert.equal(listed.Results?.length, 1);
  const [entry] = listed.Results ?? [];
  assert.equal(entry?.Status, 'COMPLETED');
  assert.equal(entry?.SourceArn, arn('dead'));
  assert.equal(entry?.ApproximateNumberOfMessagesMoved, 3);
  assert.equal(entry?.ApproximateNumberOfMessagesToMove, 3);
  // Only an active task shows its handle; no destination or rate was given, so none is reported.
  assert.equal(entry?.TaskHandle, undefined);
  assert.equal(entry?.DestinationArn, undefined);
  assert.equal(entry?.MaxNumberOfMessagesPerSecond, undefined);
  assert.ok(Math.abs((entry?.StartedTimestamp ?? 0) - Date.now()) < 60_000);

  assert.equal(await counts(sqs, dlqUrl), 0);
  const first = await receiveAll(sqs, firstUrl);
  const second = await receiveAll(sqs, secondUrl);
  assert.deepEqual(first.map((m) => m.Body).sort(), ['a', 'b']);
  assert.deepEqual(
    second.map((m) => m.Body),
    ['c'],
  );
  for (const m of [...first, ...second]) {
    // New messages: a fresh id and receive count, the same attributes.
    assert.ok(!dead.includes(m.MessageId ?? ''), 'a new message id');
    assert.equal(m.Attributes?.ApproximateReceiveCount, '1');
    assert.equal(m.MessageAttributes?.kind?.StringValue, 'notification');
  }
});

test('redrive to a named destination; MaxNumberOfMessagesPerSecond; cancel; newest tasks first', async (t) => {
  const { server, client } = await startTestQueue(t);
  const sqs = client();
  const { dlqUrl, urls } = await dlqPipe(sqs, 'dead', ['source']);
  const other = (await sqs.send(new CreateQueueCommand({ QueueName: 'elsewhere' }))).QueueUrl ?? '';
  await deadLetter(sqs, urls[0] ?? '', ['1', '2', '3']);

  // One message per second: after the first step the task is RUNNING with its handle.
  const stepped = once(server.store.moveTasks.events, 'step');
  const { TaskHandle } = await sqs.send(
    new StartMessageMoveTaskCommand({
      SourceArn: arn('dead'),
      DestinationArn: arn('elsewhere'),
      MaxNumberOfMessagesPerSecond: 1,
    }),
  );
  await stepped;
  const running = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: arn('dead') }))).Results?.[0];
  assert.equal(running?.Status, 'RUNNING');
  assert.equal(running?.TaskHandle, TaskHandle);
  assert.equal(running?.DestinationArn, arn('elsewhere'));
  assert.equal(running?.MaxNumberOfMessagesPerSecond, 1);
  assert.equal(running?.ApproximateNumberOfMessagesToMove, 3);

  // One active task per source.
  const second = await refusal(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('dead') })));
  assert.deepEqual(second, {
    name: 'InvalidParameterValue',
    status: 400,
    message:
      'There is already a task running. Only one active task is allowed for a source queue arn at a given time.',
  });

  const done = finished(server);
  const cancelled = await sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle }));
  assert.equal((await done)[1], 'CANCELLED');
  const moved = cancelled.ApproximateNumberOfMessagesMoved ?? 0;
  assert.ok(moved >= 1 && moved < 3, `moved ${moved} before the cancel`);
  const after = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: arn('dead') }))).Results?.[0];
  assert.equal(after?.Status, 'CANCELLED');
  assert.equal(after?.TaskHandle, undefined);
  assert.equal(after?.ApproximateNumberOfMessagesMoved, moved);
  assert.equal(await counts(sqs, other), moved);
  assert.equal(await counts(sqs, dlqUrl), 3 - moved, 'the rest stays in the dead-letter queue');

  // A cancelled task cannot be cancelled again; the next task moves the rest.
  const again = await refusal(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle })));
  assert.equal(again.name, 'UnsupportedOperation');
  const rest = finished(server);
  await sqs.send(
    new StartMessageMoveTaskCommand({ SourceArn: arn('dead'), DestinationArn: arn('elsewhere') }),
  );
  assert.equal((await rest)[1], 'COMPLETED');
  assert.equal(await counts(sqs, other), 3);
  const both = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: arn('dead'), MaxResults: 10 }));
  assert.deepEqual(
    both.Results?.map((r) => [r.Status, r.ApproximateNumberOfMessagesMoved]),
    [
      ['COMPLETED', 3 - moved],
      ['CANCELLED', moved],
    ],
  );
});

test('move task errors are the ones Amazon SQS answers', async (t) => {
  const { server, client } = await startTestQueue(t);
  const sqs = client();
  await dlqPipe(sqs, 'dead', ['source']);
  await sqs.send(new CreateQueueCommand({ QueueName: 'plain' }));

  const notFound = "The resource that you specified for the SourceArn parameter doesn't exist.";
  assert.deepEqual(await refusal(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('nothing') }))), {
    name: 'ResourceNotFoundException',
    status: 404,
    message: notFound,
  });
  const unknown = await refusal(sqs.send(new ListMessageMoveTasksCommand({ SourceArn: arn('nothing') })));
  assert.equal(unknown.name, 'ResourceNotFoundException');
  await assert.rejects(
    sqs.send(new StartMessageMoveTaskCommand({ SourceArn: 'arn:aws:sqs:eu-west-1:123456789012:dead' })),
    (e) => e instanceof ResourceNotFoundException,
  );
  assert.deepEqual(await refusal(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('plain') }))), {
    name: 'InvalidParameterValue',
    status: 400,
    message: 'Source queue must be configured as a Dead Letter Queue.',
  });
  assert.deepEqual(
    await refusal(
      sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('dead'), DestinationArn: arn('nothing') })),
    ),
    {
      name: 'ResourceNotFoundException',
      status: 404,
      message: "The resource that you specified for the DestinationArn parameter doesn't exist.",
    },
  );
  for (const rate of [0, 501]) {
    const refused = await refusal(
      sqs.send(
        new StartMessageMoveTaskCommand({ SourceArn: arn('dead'), MaxNumberOfMessagesPerSecond: rate }),
      ),
    );
    assert.equal(refused.name, 'InvalidParameterValue', String(rate));
  }
  for (const max of [0, 11]) {
    const refused = await refusal(
      sqs.send(new ListMessageMoveTasksCommand({ SourceArn: arn('dead'), MaxResults: max })),
    );
    assert.equal(refused.name, 'InvalidParameterValue', String(max));
  }
  assert.deepEqual(await refusal(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: 'foobared' }))), {
    name: 'InvalidParameterValue',
    status: 400,
    message: 'Value for parameter TaskHandle is invalid.',
  });
  const handle = (taskId: string, source: string) =>
    Buffer.from(JSON.stringify({ taskId, sourceArn: source })).toString('base64');
  assert.deepEqual(
    await refusal(
      sqs.send(
        new CancelMessageMoveTaskCommand({
          TaskHandle: handle('10f57157-fc38-4da9-a113-4de7e12d05dd', arn('nothing')),
        }),
      ),
    ),
    { name: 'ResourceNotFoundException', status: 404, message: notFound },
  );
  assert.deepEqual(
    await refusal(
      sqs.send(
        new CancelMessageMoveTaskCommand({
          TaskHandle: handle('10f57157-fc38-4da9-a113-4de7e12d05aa', arn('dead')),
        }),
      ),
    ),
    { name: 'ResourceNotFoundException', status: 404, message: 'Task does not exist.' },
  );
  // An empty dead-letter queue: the task completes at once, having moved nothing.
  const done = finished(server);
  await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('dead') }));
  assert.equal((await done)[1], 'COMPLETED');
  const [entry] = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: arn('dead') }))).Results ?? [];
  assert.deepEqual(
    [entry?.ApproximateNumberOfMessagesMoved, entry?.ApproximateNumberOfMessagesToMove],
    [0, 0],
  );
});

test('a running task survives a restart of the store; a deleted destination fails it', async (t) => {
  const dir = await tempDir(t);
  const open = () =>
    new QueueStore({ path: join(dir, 'queue.db'), region: 'us-east-1', accountId: ACCOUNT, maxQueues: 10 });
  const first = open();
  first.createQueue('dead');
  first.createQueue('target');
  first.createQueue('source', {
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn('dead'), maxReceiveCount: 1 }),
  });
  first.sendMany('source', [{ body: 'x' }, { body: 'y' }, { body: 'z' }]);
  for (let i = 0; i < 2; i++) first.receive('source', { max: 10, visibilityTimeout: 0 });
  assert.equal(first.counts('dead').visible, 3);
  const stepped = once(first.moveTasks.events, 'step');
  first.moveTasks.start({ sourceArn: arn('dead'), destinationArn: arn('target'), maxPerSecond: 1 });
  await stepped;
  first.close();

  const second = open();
  t.after(() => second.close());
  const done = once(second.moveTasks.events, 'finished') as Promise<[string, MoveTaskStatus]>;
  assert.equal((await done)[1], 'COMPLETED');
  assert.equal(second.counts('target').visible, 3);
  assert.equal(second.counts('dead').visible, 0);

  // The destination goes away while a task runs: the task fails with SQS's reason.
  second.sendMany('source', [{ body: 'w' }]);
  for (let i = 0; i < 2; i++) second.receive('source', { max: 10, visibilityTimeout: 0 });
  const failed = once(second.moveTasks.events, 'finished') as Promise<[string, MoveTaskStatus]>;
  second.moveTasks.start({ sourceArn: arn('dead'), destinationArn: arn('target') });
  second.deleteQueue('target');
  assert.equal((await failed)[1], 'FAILED');
  const [entry] = second.moveTasks.list(arn('dead'));
  assert.equal(entry?.FailureReason, 'AWS.SimpleQueueService.NonExistentQueue');
  assert.equal(second.counts('dead').visible, 1, 'the message stays');
});

/** A session of the backend role (backend-role-policy.json) on the embedded queue. */
async function backendRoleQueue(t: TestContext) {
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/camlink-backend`;
  const policies = new RolePolicies().define(roleArn, [
    backendRolePolicy(
      { partition: 'aws', region: 'us-east-1', account: ACCOUNT },
      { mediaBucket: 'camlink-media', videoRegion: undefined },
    ),
  ]);
  const session = {
    accessKeyId: 'ASIAEXAMPLEBACKEND01',
    secretAccessKey: 'backend-session-secret-key-example-000000',
    sessionToken: 'backend-session-token',
  };
  const queue = await startTestQueue(t, {
    credentials: [{ ...session, session: { roleArn, variables: {} } }],
    authorizeSession: (credential, action, resource) => policies.authorize(credential, action, resource),
  });
  return { ...queue, admin: queue.client(), backend: queue.client(session) };
}

test('the backend role may consume, re-send and read the upload queue and count its dead-letter queue', async (t) => {
  const { admin, backend } = await backendRoleQueue(t);
  const { dlqUrl, urls } = await dlqPipe(admin, UPLOAD_DLQ_NAME, [UPLOAD_QUEUE_NAME]);
  const queueUrl = urls[0] ?? '';
  await backend.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'requeued' }));
  const attributes = await backend.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
  );
  assert.match(attributes.Attributes?.RedrivePolicy ?? '', /camlink-uploads-dlq/);
  await backend.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  const [message] = await receiveAll(backend, queueUrl);
  await backend.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: message?.ReceiptHandle,
      VisibilityTimeout: 5,
    }),
  );
  // A batch action is authorized as its single action (IAM has no sqs:DeleteMessageBatch).
  const deleted = await backend.send(
    new DeleteMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: [{ Id: '1', ReceiptHandle: message?.ReceiptHandle }],
    }),
  );
  assert.equal(deleted.Successful?.length, 1);

  // Nothing beyond: no purge, no receive from the dead-letter queue, no redrive.
  for (const refused of [
    backend.send(new PurgeQueueCommand({ QueueUrl: queueUrl })),
    backend.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl })),
    backend.send(new StartMessageMoveTaskCommand({ SourceArn: arn(UPLOAD_DLQ_NAME) })),
    backend.send(new ListMessageMoveTasksCommand({ SourceArn: arn(UPLOAD_DLQ_NAME) })),
  ]) {
    assert.equal((await refusal(refused)).name, 'AccessDenied');
  }
});
