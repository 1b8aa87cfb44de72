/** AWS::SQS::Queue: CreateQueue with the attributes the embedded queue implements. */
import { CreateQueueCommand, DeleteQueueCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { errorText, generatedName, type ResourceHandler } from './handler.js';

const ATTRIBUTES = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'RedrivePolicy',
] as const;

export const queueHandler: ResourceHandler = {
  type: 'AWS::SQS::Queue',
  properties: {
    QueueName: undefined,
    ...Object.fromEntries(ATTRIBUTES.map((a) => [a, undefined])),
    SqsManagedSseEnabled: 'SSE-SQS encryption (the embedded queue stores messages unencrypted on local disk)',
    KmsMasterKeyId: 'KMS encryption',
    KmsDataKeyReusePeriodSeconds: 'KMS encryption',
    FifoQueue: 'FIFO queues (the embedded queue has none: CreateQueue refuses them)',
    ContentBasedDeduplication: 'FIFO deduplication',
    RedriveAllowPolicy: 'redrive allow policy',
    Tags: 'tags',
  },
  async create(props, ctx) {
    const name = typeof props.QueueName === 'string' ? props.QueueName : generatedName(ctx, 80);
    const { sqs } = ctx.clients;
    const existing = await sqs.send(new GetQueueUrlCommand({ QueueName: name })).then(
      (out) => out.QueueUrl,
      (err: unknown) => {
        if (/QueueDoesNotExist|NonExistentQueue/.test(errorText(err))) return undefined;
        throw err;
      },
    );
    if (existing !== undefined) throw new Error(`${name} already exists`);
    const attributes: Record<string, string> = {};
    for (const a of ATTRIBUTES) {
      const v = props[a];
      if (v === undefined || v === null) continue;
      attributes[a] = typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
    const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    if (out.QueueUrl === undefined) throw new Error(`CreateQueue ${name} answered no QueueUrl`);
    return {
      physicalId: out.QueueUrl,
      ref: out.QueueUrl,
      attrs: {
        Arn: `arn:${ctx.partition}:sqs:${ctx.region}:${ctx.account}:${name}`,
        QueueName: name,
        QueueUrl: out.QueueUrl,
      },
    };
  },
  async delete(created, ctx) {
    await ctx.clients.sqs.send(new DeleteQueueCommand({ QueueUrl: created.physicalId }));
  },
};
