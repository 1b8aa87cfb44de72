/** The official @aws-sdk/client-sqs against camlink's queue over HTTPS (port 0, camlink CA). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  TooManyEntriesInBatchRequest,
  BatchEntryIdsNotDistinct,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import { md5OfMessageAttributes } from '../../src/queue/md5.js';
import { startTestQueue } from '../helpers/queue.js';

test('CreateQueue, GetQueueUrl, ListQueues, GetQueueAttributes, DeleteQueue', async (t) => {
  const { server, client } = await startTestQueue(t);
  const sqs = client();
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: 'uploads', Attributes: { VisibilityTimeout: '45' } }),
  );
  assert.equal(QueueUrl, `${server.url}/000000000000/uploads`);
  assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const again = await sqs.send(
    new CreateQueueCommand({ QueueName: 'uploads', Attributes: { VisibilityTimeout: '45' } }),
  );
  assert.equal(again.QueueUrl, QueueUrl);
  await assert.rejects(
    sqs.send(new CreateQueueCommand({ QueueName: 'uploads', Attributes: { VisibilityTimeout: '46' } })),
    (e) => e instanceof QueueNameExists && e.$metadata.httpStatusCode === 400,
  );
  assert.equal((await sqs.send(new GetQueueUrlCommand({ QueueName: 'uploads' }))).QueueUrl, QueueUrl);
  await sqs.send(new CreateQueueCommand({ QueueName: 'other' }));
  assert.deepEqual((await sqs.send(new ListQueuesCommand({}))).QueueUrls, [
    `${server.url}/000000000000/other`,
    QueueUrl,
  ]);
  assert.deepEqual((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'up' }))).QueueUrls, [QueueUrl]);
  const all = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
  assert.equal(all.Attributes?.QueueArn, 'arn:aws:sqs:us-east-1:000000000000:uploads');
  assert.equal(all.Attributes?.VisibilityTimeout, '45');
  assert.equal(all.Attributes?.MaximumMessageSize, '262144');
  assert.equal(all.Attributes?.ApproximateNumberOfMessages, '0');
  const named = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  assert.deepEqual(named.Attributes, { QueueArn: 'arn:aws:sqs:us-east-1:000000000000:uploads' });
  await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  await assert.rejects(
    sqs.send(new GetQueueUrlCommand({ QueueName: 'uploads' })),
    (e) => e instanceof QueueDoesNotExist && e.$metadata.httpStatusCode === 400,
  );
});

test('SendMessage, ReceiveMessage with attributes, ChangeMessageVisibility, DeleteMessage', async (t) => {
  const { client } = await startTestQueue(t);
  const sqs = client();
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'q' }));
  const attrs = {
    kind: { DataType: 'String', StringValue: 'photo' },
    size: { DataType: 'Number', StringValue: '1024' },
    thumb: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
  };
  const sent = await sqs.send(
    new SendMessageCommand({ QueueUrl, MessageBody: 'héllo 📷', MessageAttributes: attrs }),
  );
  assert.equal(sent.MD5OfMessageAttributes, md5OfMessageAttributes(attrs));
  const got = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl,
      MaxNumberOfMessages: 10,
      MessageSystemAttributeNames: [
        'ApproximateReceiveCount',
        'SentTimestamp',
        'ApproximateFirstReceiveTimestamp',
      ],
      MessageAttributeNames: ['All'],
    }),
  );
  const [m] = got.Messages ?? [];
  assert.ok(m?.ReceiptHandle);
  assert.equal(m.Body, 'héllo 📷');
  assert.equal(m.MessageId, sent.MessageId);
  assert.equal(m.Attributes?.ApproximateReceiveCount, '1');
  assert.match(m.Attributes?.SentTimestamp ?? '', /^\d{13}$/);
  assert.match(m.Attributes?.ApproximateFirstReceiveTimestamp ?? '', /^\d{13}$/);
  assert.deepEqual(m.MessageAttributes?.thumb?.BinaryValue, new Uint8Array([1, 2, 3]));
  assert.equal(m.MessageAttributes?.kind?.StringValue, 'photo');
  const counts = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  assert.deepEqual(counts.Attributes, {
    ApproximateNumberOfMessages: '0',
    ApproximateNumberOfMessagesNotVisible: '1',
  });
  await sqs.send(
    new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }),
  );
  const again = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, AttributeNames: ['All'] })))
    .Messages?.[0];
  assert.equal(again?.Attributes?.ApproximateReceiveCount, '2');
  await assert.rejects(
    sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 10 }),
    ),
    (e) => e instanceof SQSServiceException && e.name === 'ReceiptHandleIsInvalid',
  );
  await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: again?.ReceiptHandle }));
  assert.deepEqual((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages ?? [], []);
});

test('batches: send 10, receive, change visibility and delete in batches; batch limits', async (t) => {
  const { client } = await startTestQueue(t);
  const sqs = client();
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'b' }));
  const Entries = Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `body ${i}` }));
  const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries }));
  assert.equal(sent.Successful?.length, 10);
  assert.deepEqual(sent.Failed ?? [], []);
  const partial = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl,
      Entries: [
        { Id: 'ok', MessageBody: 'x' },
        { Id: 'bad', MessageBody: 'a\u0001' },
      ],
    }),
  );
  assert.deepEqual(
    partial.Successful?.map((s) => s.Id),
    ['ok'],
  );
  assert.equal(partial.Failed?.[0]?.Code, 'InvalidMessageContents');
  await assert.rejects(
    sqs.send(
      new SendMessageBatchCommand({ QueueUrl, Entries: [...Entries, { Id: 'm10', MessageBody: 'x' }] }),
    ),
    (e) => e instanceof TooManyEntriesInBatchRequest,
  );
  await assert.rejects(
    sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [Entries[0]!, Entries[0]!] })),
    (e) => e instanceof BatchEntryIdsNotDistinct,
  );
  const got =
    (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).Messages ?? [];
  assert.equal(got.length, 10);
  const changed = await sqs.send(
    new ChangeMessageVisibilityBatchCommand({
      QueueUrl,
      Entries: got
        .slice(0, 2)
        .map((m, i) => ({ Id: `c${i}`, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 60 })),
    }),
  );
  assert.equal(changed.Successful?.length, 2);
  const deleted = await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl,
      Entries: got.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
    }),
  );
  const junk = await sqs.send(
    new DeleteMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'junk', ReceiptHandle: 'junk' }] }),
  );
  assert.equal(junk.Failed?.[0]?.Code, 'ReceiptHandleIsInvalid');
  assert.equal(deleted.Successful?.length, 10);
  await sqs.send(new PurgeQueueCommand({ QueueUrl }));
  assert.deepEqual(
    (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).Messages ?? [],
    [],
  );
});

test('long polling returns as soon as a message arrives', async (t) => {
  const { client, server } = await startTestQueue(t);
  const sqs = client();
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'lp' }));
  const parked = once(server.store.events, 'parked');
  const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
  // The send goes out once the receive is parked; the receive must come back with it, not after 20 s.
  assert.deepEqual(await parked, ['lp']);
  const sender = client();
  await sender.send(new SendMessageCommand({ QueueUrl, MessageBody: 'arrived' }));
  const got = await polling;
  assert.equal(got.Messages?.[0]?.Body, 'arrived');
});

test('parameter errors use SQS codes: MaxNumberOfMessages, message size, FIFO', async (t) => {
  const { client } = await startTestQueue(t);
  const sqs = client();
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: 'p', Attributes: { MaximumMessageSize: '1024' } }),
  );
  await assert.rejects(
    sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 11 })),
    (e) =>
      e instanceof SQSServiceException &&
      e.name === 'InvalidParameterValue' &&
      e.$metadata.httpStatusCode === 400,
  );
  await assert.rejects(
    sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(1025) })),
    (e) => e instanceof SQSServiceException && e.name === 'InvalidParameterValue',
  );
  await assert.rejects(
    sqs.send(new CreateQueueCommand({ QueueName: 'orders.fifo', Attributes: { FifoQueue: 'true' } })),
    (e) => e instanceof SQSServiceException && e.name === 'UnsupportedOperation' && /FIFO/.test(e.message),
  );
});
