/**
 * The SQS actions over the store (SQS API Reference, "Actions"), one small handler each, returning the
 * JSON 1.0 response member for member. Long polling (ReceiveMessage WaitTimeSeconds) parks on the
 * store's waiters and returns as soon as a message is available.
 */
import { settingsAttributes } from './attributes.js';
import { batchFailure, checkBatchEntries, MAX_BATCH_BYTES, type BatchFailure } from './batch.js';
import { SqsError, invalidParameter } from './errors.js';
import { messageSize, type MessageAttributes, type MessageAttributeValue } from './md5.js';
import type { ParsedRequest, RequestOf } from './requests.js';
import { MAX_VISIBILITY_TIMEOUT, type QueueStore, type ReceivedMessage, type SendInput } from './store.js';

export interface OperationContext {
  readonly store: QueueStore;
  /** Base URL of the server, e.g. "https://127.0.0.1:9324". */
  readonly baseUrl: string;
  /** Aborted when the client goes away (ends a long poll early). */
  readonly signal?: AbortSignal;
}

export type JsonResponse = Record<string, unknown>;

const QUEUE_ATTRIBUTE_NAMES = [
  'VisibilityTimeout',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'MaximumMessageSize',
  'RedrivePolicy',
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
] as const;

const SYSTEM_ATTRIBUTE_NAMES = [
  'ApproximateReceiveCount',
  'SentTimestamp',
  'ApproximateFirstReceiveTimestamp',
  'SenderId',
] as const;

export async function runOperation(request: ParsedRequest, ctx: OperationContext): Promise<JsonResponse> {
  const { store } = ctx;
  const name = (input: { QueueUrl: string }) => store.queueNameFromUrl(input.QueueUrl);
  const url = (queue: string) => `${ctx.baseUrl}/${store.accountId}/${queue}`;
  switch (request.operation) {
    case 'CreateQueue': {
      if (request.input.tags !== undefined && Object.keys(request.input.tags).length > 0) {
        throw new SqsError('UnsupportedOperation', 'Queue tags are not supported by camlink.');
      }
      return { QueueUrl: url(store.createQueue(request.input.QueueName, request.input.Attributes).name) };
    }
    case 'GetQueueUrl': {
      const owner = request.input.QueueOwnerAWSAccountId;
      if (owner !== undefined && owner !== store.accountId) {
        throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
      }
      return { QueueUrl: url(store.getQueue(request.input.QueueName).name) };
    }
    case 'GetQueueAttributes':
      return { Attributes: queueAttributes(store, name(request.input), request.input.AttributeNames ?? []) };
    case 'SendMessage': {
      const { input } = request;
      const sent = store.send(name(input), sendInput(input));
      return {
        MessageId: sent.messageId,
        MD5OfMessageBody: sent.md5OfBody,
        ...(sent.md5OfMessageAttributes ? { MD5OfMessageAttributes: sent.md5OfMessageAttributes } : {}),
      };
    }
    case 'SendMessageBatch':
      return sendBatch(store, name(request.input), request.input);
    case 'ReceiveMessage':
      return receive(ctx, name(request.input), request.input);
    case 'DeleteMessage':
      store.deleteMessage(name(request.input), request.input.ReceiptHandle);
      return {};
    case 'DeleteMessageBatch': {
      const queue = name(request.input);
      return store.inOneCommit(() =>
        eachEntry(request.input.Entries, (e) => store.deleteMessage(queue, e.ReceiptHandle)),
      );
    }
    case 'ChangeMessageVisibility':
      store.changeVisibility(
        name(request.input),
        request.input.ReceiptHandle,
        request.input.VisibilityTimeout,
      );
      return {};
    case 'ChangeMessageVisibilityBatch': {
      const queue = name(request.input);
      return store.inOneCommit(() =>
        eachEntry(request.input.Entries, (e) =>
          store.changeVisibility(queue, e.ReceiptHandle, e.VisibilityTimeout),
        ),
      );
    }
    case 'PurgeQueue':
      store.purgeQueue(name(request.input));
      return {};
    case 'DeleteQueue':
      store.deleteQueue(name(request.input));
      return {};
    case 'ListQueues':
      return listQueues(ctx, request.input);
    case 'StartMessageMoveTask': {
      const { SourceArn, DestinationArn, MaxNumberOfMessagesPerSecond } = request.input;
      return {
        TaskHandle: store.moveTasks.start({
          sourceArn: SourceArn,
          ...(DestinationArn === undefined ? {} : { destinationArn: DestinationArn }),
          ...(MaxNumberOfMessagesPerSecond === undefined
            ? {}
            : { maxPerSecond: MaxNumberOfMessagesPerSecond }),
        }),
      };
    }
    case 'ListMessageMoveTasks':
      return { Results: store.moveTasks.list(request.input.SourceArn, request.input.MaxResults ?? 1) };
    case 'CancelMessageMoveTask':
      return { ApproximateNumberOfMessagesMoved: store.moveTasks.cancel(request.input.TaskHandle) };
  }
}

function decodeAttributes(attributes: RequestOf<'SendMessage'>['MessageAttributes']): MessageAttributes {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [key, v] of Object.entries(attributes ?? {})) {
    out[key] = {
      DataType: v.DataType,
      ...(v.StringValue !== undefined ? { StringValue: v.StringValue } : {}),
      ...(v.BinaryValue !== undefined ? { BinaryValue: Buffer.from(v.BinaryValue, 'base64') } : {}),
    };
  }
  return out;
}

function sendInput(
  input: RequestOf<'SendMessageBatch'>['Entries'][number] | RequestOf<'SendMessage'>,
): SendInput {
  return {
    body: input.MessageBody,
    attributes: decodeAttributes(input.MessageAttributes),
    ...(input.DelaySeconds !== undefined ? { delaySeconds: input.DelaySeconds } : {}),
  };
}

function sendBatch(store: QueueStore, queue: string, input: RequestOf<'SendMessageBatch'>): JsonResponse {
  checkBatchEntries(input.Entries);
  const inputs = input.Entries.map(sendInput);
  const total = inputs.reduce((sum, i) => sum + messageSize(i.body, i.attributes ?? {}), 0);
  if (total > MAX_BATCH_BYTES) {
    throw new SqsError(
      'BatchRequestTooLong',
      `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes. You have sent ${total} bytes.`,
    );
  }
  const Failed: BatchFailure[] = [];
  const valid: { id: string; input: SendInput }[] = [];
  input.Entries.forEach((entry, i) => {
    const one = inputs[i];
    if (one === undefined) return;
    try {
      // Validate each entry alone so one bad entry does not fail the others (stored together below).
      store.checkSend(queue, one);
      valid.push({ id: entry.Id, input: one });
    } catch (err) {
      Failed.push(batchFailure(entry.Id, err));
    }
  });
  const sent =
    valid.length > 0
      ? store.sendMany(
          queue,
          valid.map((v) => v.input),
        )
      : [];
  const Successful = sent.map((s, i) => ({
    Id: valid[i]?.id ?? '',
    MessageId: s.messageId,
    MD5OfMessageBody: s.md5OfBody,
    ...(s.md5OfMessageAttributes ? { MD5OfMessageAttributes: s.md5OfMessageAttributes } : {}),
  }));
  return { Successful, Failed };
}

function eachEntry<E extends { Id: string }>(entries: readonly E[], run: (entry: E) => void): JsonResponse {
  checkBatchEntries(entries);
  const Successful: { Id: string }[] = [];
  const Failed: BatchFailure[] = [];
  for (const entry of entries) {
    try {
      run(entry);
      Successful.push({ Id: entry.Id });
    } catch (err) {
      Failed.push(batchFailure(entry.Id, err));
    }
  }
  return { Successful, Failed };
}

async function receive(
  ctx: OperationContext,
  queue: string,
  input: RequestOf<'ReceiveMessage'>,
): Promise<JsonResponse> {
  const { store } = ctx;
  const max = input.MaxNumberOfMessages ?? 1;
  if (max < 1 || max > 10)
    throw invalidParameter('MaxNumberOfMessages', max, 'Must be between 1 and 10, if provided.');
  const vt = input.VisibilityTimeout;
  if (vt !== undefined && (vt < 0 || vt > MAX_VISIBILITY_TIMEOUT)) {
    throw invalidParameter(
      'VisibilityTimeout',
      vt,
      `Must be between 0 and ${MAX_VISIBILITY_TIMEOUT}, if provided.`,
    );
  }
  const wait = input.WaitTimeSeconds ?? store.getQueue(queue).settings.ReceiveMessageWaitTimeSeconds;
  if (wait < 0 || wait > 20)
    throw invalidParameter('WaitTimeSeconds', wait, 'Must be >= 0 and <= 20, if provided.');
  const deadline = Date.now() + wait * 1000;
  const options = { max, ...(vt !== undefined ? { visibilityTimeout: vt } : {}) };
  let messages = store.receive(queue, options);
  while (messages.length === 0 && !store.closed && !ctx.signal?.aborted) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    await store.waitForMessages(queue, left, ctx.signal);
    if (store.closed) break;
    messages = store.receive(queue, options);
  }
  const systemNames = new Set([
    ...(input.AttributeNames ?? []),
    ...(input.MessageSystemAttributeNames ?? []),
  ]);
  const filters = input.MessageAttributeNames ?? [];
  return {
    Messages: messages.map((m) => formatMessage(m, systemNames, filters, store.accountId)),
  };
}

function formatMessage(
  m: ReceivedMessage,
  systemNames: ReadonlySet<string>,
  filters: readonly string[],
  accountId: string,
): JsonResponse {
  const all = systemNames.has('All');
  const values: Record<(typeof SYSTEM_ATTRIBUTE_NAMES)[number], string> = {
    ApproximateReceiveCount: String(m.receiveCount),
    SentTimestamp: String(m.sentAt),
    ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt),
    SenderId: accountId,
  };
  const Attributes: Record<string, string> = {};
  for (const key of SYSTEM_ATTRIBUTE_NAMES) if (all || systemNames.has(key)) Attributes[key] = values[key];
  const MessageAttributes: Record<string, Record<string, string>> = {};
  for (const [key, v] of Object.entries(m.attributes)) {
    if (
      !filters.some(
        (f) => f === 'All' || f === '.*' || f === key || (f.endsWith('.*') && key.startsWith(f.slice(0, -1))),
      )
    )
      continue;
    MessageAttributes[key] = {
      DataType: v.DataType,
      ...(v.StringValue !== undefined ? { StringValue: v.StringValue } : {}),
      ...(v.BinaryValue !== undefined ? { BinaryValue: Buffer.from(v.BinaryValue).toString('base64') } : {}),
    };
  }
  return {
    MessageId: m.messageId,
    ReceiptHandle: m.receiptHandle,
    MD5OfBody: m.md5OfBody,
    Body: m.body,
    ...(Object.keys(Attributes).length > 0 ? { Attributes } : {}),
    ...(m.md5OfMessageAttributes ? { MD5OfMessageAttributes: m.md5OfMessageAttributes } : {}),
    ...(Object.keys(MessageAttributes).length > 0 ? { MessageAttributes } : {}),
  };
}

function queueAttributes(store: QueueStore, queue: string, names: readonly string[]): Record<string, string> {
  const info = store.getQueue(queue);
  for (const n of names) {
    if (n !== 'All' && !(QUEUE_ATTRIBUTE_NAMES as readonly string[]).includes(n)) {
      throw new SqsError('InvalidAttributeName', `Unknown Attribute ${n}.`);
    }
  }
  if (names.length === 0) return {};
  const counts = store.counts(queue);
  const all: Record<string, string> = {
    ...settingsAttributes(info.settings),
    QueueArn: store.queueArn(info.name),
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.notVisible),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: String(Math.floor(info.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(info.modifiedAt / 1000)),
  };
  if (names.includes('All')) return all;
  return Object.fromEntries(Object.entries(all).filter(([k]) => names.includes(k)));
}

function listQueues(ctx: OperationContext, input: RequestOf<'ListQueues'>): JsonResponse {
  const max = input.MaxResults ?? 1000;
  if (max < 1 || max > 1000) throw invalidParameter('MaxResults', max, 'Must be between 1 and 1000.');
  const names = ctx.store.listQueues(input.QueueNamePrefix ?? '');
  const start = input.NextToken === undefined ? 0 : decodeToken(input.NextToken);
  const page = names.slice(start, start + max);
  const next = start + max < names.length && input.MaxResults !== undefined ? start + max : undefined;
  return {
    QueueUrls: page.map((n) => `${ctx.baseUrl}/${ctx.store.accountId}/${n}`),
    ...(next !== undefined ? { NextToken: Buffer.from(String(next)).toString('base64url') } : {}),
  };
}

function decodeToken(token: string): number {
  const n = Number(Buffer.from(token, 'base64url').toString('latin1'));
  if (!Number.isInteger(n) || n < 0) throw invalidParameter('NextToken', token, 'Invalid NextToken value.');
  return n;
}
