/**
 * `camlink queue ...`: the upload queue's dead-letter queue, counted (dead-letters) and moved back
 * (redrive) with SQS's message move tasks (StartMessageMoveTask / ListMessageMoveTasks), so the same
 * command works on the embedded queue and on Amazon SQS. See docs/queue.md.
 */
import type { Agent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
  type ListMessageMoveTasksResultEntry,
} from '@aws-sdk/client-sqs';
import { awsAgent, awsClientConfig } from '../../aws/clients.js';
import { hasErrorName, toCamlinkError } from '../../aws/service-error.js';
import type { AwsTarget } from '../../aws/target.js';
import { deadLetterQueueUrl, readRedrivePolicy } from '../../backend/uploads/dead-letters.js';
import { CamlinkError } from '../../errors/camlink-error.js';
import { defineCommand, defineGroup, type CliIo, type CommandContext, type OptionSpec } from '../command.js';
import { jsonOption, printResult } from '../output.js';
import { awsTargetOptions, resolveAwsTarget } from './aws-target.js';
import { summaries } from './summaries.js';

const queueOptions = {
  ...awsTargetOptions,
  'queue-url': {
    type: 'string',
    valueName: 'URL',
    description: 'the queue whose dead-letter queue to use (default: the upload queue)',
  },
  'sqs-endpoint': { type: 'string', valueName: 'URL', description: 'SQS endpoint override' },
  json: jsonOption,
} as const satisfies Record<string, OptionSpec>;

/** Between two looks at a running move task. */
const POLL_MS = 1_000;

interface DeadLetterQueue {
  readonly sqs: SQSClient;
  readonly target: AwsTarget;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
  close(): void;
}

/**
 * The queue and its dead-letter queue. Without AWS flags (--region, --profile, --queue-url,
 * backend.aws) the embedded platform of DATA_DIR, as `camlink storage` and `camlink device` do.
 */
async function openDeadLetterQueue(ctx: CommandContext<typeof queueOptions>): Promise<DeadLetterQueue> {
  const o = ctx.options;
  const config = ctx.config();
  const embedded =
    o.embedded === true ||
    (o.endpoints === undefined &&
      o.region === undefined &&
      o.profile === undefined &&
      o['queue-url'] === undefined &&
      config.backend.aws === undefined);
  const target = await resolveAwsTarget({ ...o, embedded }, config, ctx.io.env, {
    queueUrl: o['queue-url'],
    sqsEndpoint: o['sqs-endpoint'],
  });
  const queueUrl = target.uploadQueueUrl;
  if (queueUrl === undefined) {
    throw new CamlinkError(
      'CLI_USAGE',
      'no queue: pass --queue-url URL (or set backend.aws.uploadQueueUrl), or --embedded',
    );
  }
  const agent: Agent = awsAgent(target, true);
  const sqs = new SQSClient({
    ...awsClientConfig(target, agent),
    ...(target.sqsEndpoint ? { endpoint: target.sqsEndpoint } : {}),
  });
  const close = () => {
    sqs.destroy();
    agent.destroy();
  };
  try {
    const policy = await call('GetQueueAttributes', () => readRedrivePolicy(sqs, queueUrl));
    if (policy === undefined) {
      throw new CamlinkError(
        'QUEUE_NO_DEAD_LETTER_QUEUE',
        `${queueUrl} has no dead-letter queue (no RedrivePolicy): nothing is dead-lettered, nothing to redrive`,
      );
    }
    const attributes = await call('GetQueueAttributes', () =>
      sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })),
    );
    return {
      sqs,
      target,
      queueUrl,
      queueArn: attributes.Attributes?.QueueArn ?? '',
      dlqUrl: deadLetterQueueUrl(queueUrl, policy.deadLetterTargetArn),
      dlqArn: policy.deadLetterTargetArn,
      close,
    };
  } catch (err) {
    close();
    throw err;
  }
}

async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toCamlinkError(operation, err);
  }
}

async function countOf(
  q: DeadLetterQueue,
): Promise<{ visible: number; inFlight: number; retention: number }> {
  const out = await call('GetQueueAttributes', () =>
    q.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: q.dlqUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'MessageRetentionPeriod',
        ],
      }),
    ),
  );
  return {
    visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
    retention: Number(out.Attributes?.MessageRetentionPeriod ?? 0),
  };
}

async function newestTask(q: DeadLetterQueue): Promise<ListMessageMoveTasksResultEntry | undefined> {
  const out = await call('ListMessageMoveTasks', () =>
    q.sqs.send(new ListMessageMoveTasksCommand({ SourceArn: q.dlqArn, MaxResults: 1 })),
  );
  return out.Results?.[0];
}

const progressOf = (task: ListMessageMoveTasksResultEntry) =>
  `${task.Status ?? 'UNKNOWN'}, moved ${task.ApproximateNumberOfMessagesMoved ?? 0} of ${task.ApproximateNumberOfMessagesToMove ?? 0}`;

const deadLetters = defineCommand({
  name: 'dead-letters',
  summary: "Count the upload queue's dead-letter queue and show the last redrive.",
  description:
    'Messages the queue gave up on (maxReceiveCount receives) wait there until `camlink queue redrive`\n' +
    'moves them back, or until its retention period drops them. Only counts: reading the messages\n' +
    'would add to their receive counts (use the AWS console or CLI to look at them).\n' +
    'Target: the embedded platform of DATA_DIR, or AWS with --region/--profile/--queue-url.',
  options: queueOptions,
  async run(ctx) {
    const q = await openDeadLetterQueue(ctx);
    try {
      const count = await countOf(q);
      // The last redrive, when the caller may see it (sqs:ListMessageMoveTasks).
      const task = await newestTask(q).catch(() => undefined);
      const total = count.visible + count.inFlight;
      printResult(ctx.io, ctx.options.json, {
        queue: q.queueUrl,
        'dead-letter queue': q.dlqUrl,
        messages: total,
        'in flight': count.inFlight,
        retention: `${Math.round(count.retention / 86_400)} days (${count.retention} s, from the original send)`,
        'last redrive': task === undefined ? 'none' : progressOf(task),
        next: total > 0 ? '`camlink queue redrive` moves them back to the queue' : undefined,
      });
    } finally {
      q.close();
    }
  },
});

const redrive = defineCommand({
  name: 'redrive',
  summary: 'Move the dead-letter queue back to its queue (StartMessageMoveTask) and follow the task.',
  description:
    'Each message becomes a new message on the queue (receive count 0, same body and attributes) and is\n' +
    'reconciled again. Waits until the task completes and prints its progress; --no-wait only starts it.\n' +
    'A redrive already running is followed instead of starting another (SQS runs one per queue).\n' +
    'Needs sqs:StartMessageMoveTask and sqs:ListMessageMoveTasks on the dead-letter queue (and what SQS\n' +
    'requires with them: ReceiveMessage, DeleteMessage, GetQueueAttributes there, SendMessage on the queue).',
  options: {
    ...queueOptions,
    'no-wait': { type: 'boolean', description: 'start the task and return' },
    rate: {
      type: 'string',
      valueName: 'N',
      description: 'messages per second (1-500; default: as fast as SQS goes)',
    },
  },
  async run(ctx) {
    const o = ctx.options;
    if (o.rate !== undefined && !/^[1-9]\d{0,2}$/.test(o.rate)) {
      throw new CamlinkError('CLI_USAGE', `--rate must be 1-500 (got "${o.rate}")`);
    }
    const rate = o.rate === undefined ? undefined : Number(o.rate);
    if (rate !== undefined && rate > 500) {
      throw new CamlinkError('CLI_USAGE', `--rate must be 1-500 (got "${o.rate}")`);
    }
    const q = await openDeadLetterQueue(ctx);
    try {
      const before = await countOf(q);
      let following = false;
      try {
        await q.sqs.send(
          new StartMessageMoveTaskCommand({
            SourceArn: q.dlqArn,
            DestinationArn: q.queueArn,
            ...(rate === undefined ? {} : { MaxNumberOfMessagesPerSecond: rate }),
          }),
        );
      } catch (err) {
        if (!(hasErrorName(err, 'InvalidParameterValue') && /already a task running/.test(String(err)))) {
          throw toCamlinkError('StartMessageMoveTask', err);
        }
        following = true;
        ctx.io.stderr('a redrive of this dead-letter queue is already running: following it\n');
      }
      if (o['no-wait'] === true) {
        printResult(ctx.io, o.json, {
          'dead-letter queue': q.dlqUrl,
          destination: q.queueUrl,
          messages: before.visible + before.inFlight,
          redrive: following ? 'already running' : 'started',
          follow: '`camlink queue dead-letters` shows its progress',
        });
        return;
      }
      const task = await follow(q, ctx.io);
      const result = {
        'dead-letter queue': q.dlqUrl,
        destination: q.queueUrl,
        status: task.Status,
        moved: task.ApproximateNumberOfMessagesMoved ?? 0,
        'to move': task.ApproximateNumberOfMessagesToMove ?? 0,
        left: (await countOf(q)).visible,
      };
      if (task.Status !== 'COMPLETED') {
        throw new CamlinkError(
          'QUEUE_REDRIVE_FAILED',
          `the redrive of ${q.dlqUrl} ended ${task.Status ?? 'UNKNOWN'}` +
            (task.FailureReason ? ` (${task.FailureReason})` : '') +
            ` after moving ${result.moved} of ${result['to move']}; run \`camlink queue redrive\` again`,
        );
      }
      printResult(ctx.io, o.json, result);
    } finally {
      q.close();
    }
  },
});

/** Polls the newest task until it is no longer RUNNING/CANCELLING; progress lines on stderr. */
async function follow(q: DeadLetterQueue, io: CliIo): Promise<ListMessageMoveTasksResultEntry> {
  let shown = '';
  for (;;) {
    const task = await newestTask(q);
    if (task === undefined) throw new CamlinkError('QUEUE_REDRIVE_FAILED', `no move task on ${q.dlqArn}`);
    const progress = progressOf(task);
    if (progress !== shown) {
      io.stderr(`redrive: ${progress}\n`);
      shown = progress;
    }
    if (task.Status !== 'RUNNING' && task.Status !== 'CANCELLING') return task;
    await sleep(POLL_MS);
  }
}

export const queueCommand = defineGroup('queue', summaries.queue, [deadLetters, redrive]);
