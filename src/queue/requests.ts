/**
 * Request decoding for the SQS JSON protocol (AWS JSON 1.0; SQS API Reference, each action's "Request
 * Parameters"): `X-Amz-Target: AmazonSQS.<Operation>` names the action and the body is a JSON object,
 * validated here by one strict zod schema per action. Every failure is an SqsError: unknown target
 * (UnknownOperation), body not JSON (SerializationException), a required member missing
 * (MissingParameter), anything else out of shape (InvalidParameterValue).
 */
import { z } from 'zod';
import { SqsError } from './errors.js';

const str = z.string().max(1_048_576);
const int = z.number().int();
const stringMap = z.record(z.string().max(256), z.string().max(1_048_576));

const attributeValue = z.strictObject({
  DataType: z.string().min(1).max(256),
  StringValue: str.optional(),
  BinaryValue: z.base64().max(1_398_104).optional(),
  StringListValues: z.array(str).max(0).optional(),
  BinaryListValues: z.array(str).max(0).optional(),
});
const messageAttributes = z.record(z.string().max(256), attributeValue);

const queueUrl = { QueueUrl: z.string().min(1).max(2048) };
const sendEntry = z.strictObject({
  Id: z.string().max(1024),
  MessageBody: str,
  DelaySeconds: int.optional(),
  MessageAttributes: messageAttributes.optional(),
});
const handleEntry = z.strictObject({ Id: z.string().max(1024), ReceiptHandle: z.string().max(1024) });
const batch = <T extends z.ZodType>(entry: T) => z.array(entry).max(1_000);

export const requestSchemas = {
  CreateQueue: z.strictObject({
    QueueName: z.string().max(1024),
    Attributes: stringMap.optional(),
    tags: stringMap.optional(),
  }),
  GetQueueUrl: z.strictObject({
    QueueName: z.string().max(1024),
    QueueOwnerAWSAccountId: z.string().max(64).optional(),
  }),
  GetQueueAttributes: z.strictObject({
    ...queueUrl,
    AttributeNames: z.array(z.string().max(256)).max(100).optional(),
  }),
  SendMessage: z.strictObject({
    ...queueUrl,
    MessageBody: str,
    DelaySeconds: int.optional(),
    MessageAttributes: messageAttributes.optional(),
  }),
  SendMessageBatch: z.strictObject({ ...queueUrl, Entries: batch(sendEntry) }),
  ReceiveMessage: z.strictObject({
    ...queueUrl,
    MaxNumberOfMessages: int.optional(),
    VisibilityTimeout: int.optional(),
    WaitTimeSeconds: int.optional(),
    AttributeNames: z.array(z.string().max(256)).max(100).optional(),
    MessageSystemAttributeNames: z.array(z.string().max(256)).max(100).optional(),
    MessageAttributeNames: z.array(z.string().max(256)).max(100).optional(),
    ReceiveRequestAttemptId: z.string().max(128).optional(),
  }),
  DeleteMessage: z.strictObject({ ...queueUrl, ReceiptHandle: z.string().max(1024) }),
  DeleteMessageBatch: z.strictObject({ ...queueUrl, Entries: batch(handleEntry) }),
  ChangeMessageVisibility: z.strictObject({
    ...queueUrl,
    ReceiptHandle: z.string().max(1024),
    VisibilityTimeout: int,
  }),
  ChangeMessageVisibilityBatch: z.strictObject({
    ...queueUrl,
    Entries: batch(handleEntry.extend({ VisibilityTimeout: int })),
  }),
  PurgeQueue: z.strictObject(queueUrl),
  DeleteQueue: z.strictObject(queueUrl),
  ListQueues: z.strictObject({
    QueueNamePrefix: z.string().max(1024).optional(),
    NextToken: z.string().max(1024).optional(),
    MaxResults: int.optional(),
  }),
  StartMessageMoveTask: z.strictObject({
    SourceArn: z.string().max(2048),
    DestinationArn: z.string().max(2048).optional(),
    MaxNumberOfMessagesPerSecond: int.optional(),
  }),
  ListMessageMoveTasks: z.strictObject({ SourceArn: z.string().max(2048), MaxResults: int.optional() }),
  CancelMessageMoveTask: z.strictObject({ TaskHandle: z.string().max(4096) }),
} as const;

export type Operation = keyof typeof requestSchemas;
export type RequestOf<O extends Operation> = z.infer<(typeof requestSchemas)[O]>;
export type ParsedRequest = { [O in Operation]: { operation: O; input: RequestOf<O> } }[Operation];

const TARGET_PREFIX = 'AmazonSQS.';

export function parseTarget(target: string | undefined): Operation {
  const name = target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
  if (name === undefined || !Object.hasOwn(requestSchemas, name)) {
    throw new SqsError(
      'UnknownOperation',
      `Operation ${String(target).slice(0, 128)} is not supported by camlink's SQS-compatible queue.`,
    );
  }
  return name as Operation;
}

/** Decodes a JSON 1.0 body for the named operation. */
export function parseRequest(target: string | undefined, body: string): ParsedRequest {
  const operation = parseTarget(target);
  let json: unknown;
  try {
    json = body.length === 0 ? {} : JSON.parse(body);
  } catch {
    throw new SqsError('SerializationException', 'The request body is not valid JSON.');
  }
  const result = requestSchemas[operation].safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    const missing = issue?.code === 'invalid_type' && valueAt(json, issue.path) === undefined;
    if (missing) throw new SqsError('MissingParameter', `The request must contain the parameter ${path}.`);
    throw new SqsError(
      'InvalidParameterValue',
      `Value for parameter ${path || '(body)'} is invalid. Reason: ${issue?.message ?? 'invalid'}.`,
    );
  }
  return { operation, input: result.data } as ParsedRequest;
}

function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let value = json;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
