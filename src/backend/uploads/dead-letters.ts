/**
 * The upload queue's dead-letter queue, watched: its RedrivePolicy names it (SQS keeps a dead-letter
 * queue in the account and region of its source, so its URL is the upload queue's with the other
 * name: no sqs:GetQueueUrl needed), and a periodic GetQueueAttributes counts it into the gauge
 * `camlink_backend_dead_letters`, with a warn line whenever the count grows. What is there stays until
 * `camlink queue redrive` moves it back (docs/queue.md); the dashboard shows the count and that command.
 */
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Gauge, type Registry } from 'prom-client';
import { z } from 'zod';
import type { Logger } from '../../log/logger.js';
import type { Clock } from '../../util/clock.js';

export interface RedrivePolicy {
  readonly deadLetterTargetArn: string;
  readonly maxReceiveCount: number;
}

const redrivePolicySchema = z.object({
  deadLetterTargetArn: z.string().regex(/^arn:[a-z-]+:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$/),
  // SQS answers a number; CloudFormation and the console may have stored a string.
  maxReceiveCount: z.union([z.number().int().min(1), z.string().regex(/^\d+$/).transform(Number)]),
});

/** The queue's RedrivePolicy (GetQueueAttributes); undefined when it has none. */
export async function readRedrivePolicy(
  sqs: SQSClient,
  queueUrl: string,
  signal?: AbortSignal,
): Promise<RedrivePolicy | undefined> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
    signal === undefined ? {} : { abortSignal: signal },
  );
  const text = out.Attributes?.RedrivePolicy;
  if (text === undefined || text === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`the RedrivePolicy of ${queueUrl} is not JSON`);
  }
  const parsed = redrivePolicySchema.safeParse(json);
  if (!parsed.success) throw new Error(`the RedrivePolicy of ${queueUrl} is not one SQS writes`);
  return parsed.data;
}

/** The dead-letter queue's URL: the source queue's, with the account and name of the target ARN. */
export function deadLetterQueueUrl(queueUrl: string, deadLetterTargetArn: string): string {
  const [, , , , account = '', name = ''] = deadLetterTargetArn.split(':');
  const url = new URL(queueUrl);
  url.pathname = `/${account}/${name}`;
  url.search = '';
  return url.toString();
}

/** What the dashboard and GET /v1/dead-letters show. */
export interface DeadLetterSnapshot {
  /** The dead-letter queue's name; undefined until the RedrivePolicy was read. */
  readonly queue: string | undefined;
  /** Messages in it (visible and in flight); undefined until a check succeeded. */
  readonly count: number | undefined;
  /** When `count` was read (ISO 8601). */
  readonly checkedAt: string | undefined;
  /** Why the last check failed, when it did. */
  readonly error: string | undefined;
}

export interface DeadLetterWatcherOptions {
  readonly sqs: SQSClient;
  /** The upload queue (its RedrivePolicy names the dead-letter queue). */
  readonly queueUrl: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly registry?: Registry;
  /** Between checks; 0: check only when asked (check()). */
  readonly intervalMs: number;
}

/** The command that moves the dead letters back, as the log line and the dashboard name it. */
export const REDRIVE_COMMAND = 'camlink queue redrive';

export class DeadLetterWatcher {
  readonly #options: DeadLetterWatcherOptions;
  readonly #gauge: Gauge;
  #dlq: { name: string; url: string } | undefined;
  #snapshot: DeadLetterSnapshot = {
    queue: undefined,
    count: undefined,
    checkedAt: undefined,
    error: undefined,
  };
  #checking: Promise<DeadLetterSnapshot> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastWarning: string | undefined;

  constructor(options: DeadLetterWatcherOptions) {
    this.#options = options;
    this.#gauge = new Gauge({
      name: 'camlink_backend_dead_letters',
      help: "Messages in the upload queue's dead-letter queue (visible and in flight), as last read; `camlink queue redrive` moves them back.",
      registers: options.registry ? [options.registry] : [],
    });
  }

  snapshot(): DeadLetterSnapshot {
    return this.#snapshot;
  }

  /** Checks now, then every intervalMs. */
  start(): void {
    void this.check();
    if (this.#options.intervalMs > 0 && this.#timer === undefined) {
      this.#timer = setInterval(() => void this.check(), this.#options.intervalMs);
      this.#timer.unref();
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#checking;
  }

  /** Reads the count now (a check under way is joined, not repeated). */
  check(): Promise<DeadLetterSnapshot> {
    this.#checking ??= this.#check().finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  async #check(): Promise<DeadLetterSnapshot> {
    const { sqs, queueUrl, logger, clock } = this.#options;
    try {
      if (this.#dlq === undefined) {
        const policy = await readRedrivePolicy(sqs, queueUrl);
        if (policy === undefined) throw new Error(`the upload queue ${queueUrl} has no dead-letter queue`);
        const name = policy.deadLetterTargetArn.split(':')[5] ?? '';
        this.#dlq = { name, url: deadLetterQueueUrl(queueUrl, policy.deadLetterTargetArn) };
      }
      const out = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.#dlq.url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const count =
        Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
        Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
      const before = this.#snapshot.count ?? 0;
      this.#gauge.set(count);
      this.#snapshot = {
        queue: this.#dlq.name,
        count,
        checkedAt: clock.now().toISOString(),
        error: undefined,
      };
      this.#lastWarning = undefined;
      if (count > before) {
        logger.warn(
          { deadLetterQueue: this.#dlq.name, count, added: count - before, redrive: REDRIVE_COMMAND },
          `upload notifications are in the dead-letter queue: nothing retries them until \`${REDRIVE_COMMAND}\``,
        );
      } else if (count === 0 && before > 0) {
        logger.info({ deadLetterQueue: this.#dlq.name }, 'the dead-letter queue is empty again');
      }
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      this.#snapshot = { ...this.#snapshot, queue: this.#dlq?.name, error };
      // Once per streak of the same failure, not every interval.
      if (this.#lastWarning !== error) {
        logger.warn({ queueUrl, error }, 'the dead-letter queue could not be counted');
        this.#lastWarning = error;
      }
    }
    return this.#snapshot;
  }
}
