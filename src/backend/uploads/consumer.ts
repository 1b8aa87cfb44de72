/**
 * The upload-notification consumer: long-polls the upload queue (SQS ReceiveMessage) and reconciles
 * up to `concurrency` notifications at once. A decided notification (completed, duplicate, rejected)
 * is deleted; one to retry is left on the queue with a growing visibility timeout, and the queue's
 * redrive policy (5 receives) moves it to the dead-letter queue.
 *
 * Decided messages are deleted in batches (DeleteMessageBatch, up to 10): the deletions that come due
 * while one batch call is under way go together in the next, so under load one request (and one
 * commit on the queue) settles many notifications, and when idle a deletion goes out at once.
 *
 * Delivery is at-least-once: a message whose DeleteMessage failed, or that was received while stop()
 * aborted the poll, comes back after its visibility timeout and is reconciled again (idempotently).
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../../log/logger.js';
import type { ReconcileOutcome } from './reconcile.js';

export type OutcomeKind = ReconcileOutcome['kind'];

export interface HandledNotification {
  readonly messageId: string | undefined;
  readonly receiveCount: number;
  readonly outcome: ReconcileOutcome;
  /** False when the message was left on the queue (retry) or its DeleteMessage failed. */
  readonly deleted: boolean;
}

export interface UploadConsumerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** Messages per ReceiveMessage (1-10). */
  readonly batchSize: number;
  /** Long-poll wait per ReceiveMessage (0-20 s). */
  readonly waitTimeSeconds: number;
  /** Notifications reconciled at once. */
  readonly concurrency: number;
  readonly logger: Logger;
  /** Decides one message body; must not throw (reconcile() does not). */
  readonly reconcile: (messageBody: string) => Promise<ReconcileOutcome>;
  /** Visibility timeout for a message to retry, by its receive count (default 5 s doubling, <= 300 s). */
  readonly retryDelaySeconds?: (receiveCount: number) => number;
  /** Where camlink_backend_notifications_total is registered (the app's /metrics registry). */
  readonly registry?: Registry;
}

export const defaultRetryDelaySeconds = (receiveCount: number): number =>
  Math.min(5 * 2 ** Math.max(0, receiveCount - 1), 300);

/** Pause after a failed ReceiveMessage, doubling up to this. */
const RECEIVE_BACKOFF_MAX_MS = 30_000;

export class UploadConsumer {
  /** Notifications handled since start, by outcome. */
  readonly counts: Record<OutcomeKind, number> = { completed: 0, duplicate: 0, rejected: 0, retry: 0 };
  private readonly notifications: Counter<'outcome'>;
  private readonly rejections: Counter<'reason'>;
  private readonly listeners = new Set<(handled: HandledNotification) => void>();
  private readonly inFlight = new Set<Promise<void>>();
  private slotFreed: (() => void) | undefined;
  private readonly deletions: PendingDeletion[] = [];
  private deleteCallsInFlight = 0;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: UploadConsumerOptions) {
    const registers = options.registry ? [options.registry] : [];
    this.notifications = new Counter({
      name: 'camlink_backend_notifications_total',
      help: 'Upload notifications handled by the reconciler, by outcome (completed, duplicate, rejected, retry).',
      labelNames: ['outcome'],
      registers,
    });
    this.rejections = new Counter({
      name: 'camlink_backend_notifications_rejected_total',
      help: 'Rejected upload notifications, by reason.',
      labelNames: ['reason'],
      registers,
    });
  }

  /** Called after each notification was handled (and deleted, unless it is to be retried). */
  onHandled(listener: (handled: HandledNotification) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.loop !== undefined) return;
    const abort = new AbortController();
    this.abort = abort;
    this.loop = this.run(abort.signal);
  }

  /** Aborts the long poll and waits until every received notification is handled. */
  async stop(): Promise<void> {
    this.abort?.abort();
    this.slotFreed?.();
    await this.loop;
    await Promise.all(this.inFlight);
    this.loop = undefined;
    this.abort = undefined;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { sqs, queueUrl, batchSize, waitTimeSeconds, concurrency, logger } = this.options;
    let failures = 0;
    while (!signal.aborted) {
      while (this.inFlight.size >= concurrency && !signal.aborted) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
      }
      if (signal.aborted) break;
      let messages: Message[];
      try {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(batchSize, concurrency - this.inFlight.size),
            WaitTimeSeconds: waitTimeSeconds,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
          { abortSignal: signal },
        );
        messages = out.Messages ?? [];
        failures = 0;
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        const pause = Math.min(500 * 2 ** failures, RECEIVE_BACKOFF_MAX_MS);
        logger.error({ error: String(err), pauseMs: pause }, 'receiving upload notifications failed');
        await abortableDelay(pause, signal);
        continue;
      }
      for (const message of messages) {
        const work = this.handle(message).finally(() => {
          this.inFlight.delete(work);
          this.slotFreed?.();
        });
        this.inFlight.add(work);
      }
    }
  }

  private async handle(message: Message): Promise<void> {
    const { sqs, queueUrl, logger } = this.options;
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
    let outcome: ReconcileOutcome;
    try {
      outcome = await this.options.reconcile(message.Body ?? '');
    } catch (err) {
      outcome = {
        kind: 'retry',
        uploadId: undefined,
        error: err instanceof Error ? err : new Error(String(err)),
      };
    }
    let deleted = false;
    try {
      if (outcome.kind === 'retry') {
        const delay = (this.options.retryDelaySeconds ?? defaultRetryDelaySeconds)(receiveCount);
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: delay,
          }),
        );
      } else {
        await this.deleteMessage(message.ReceiptHandle ?? '');
        deleted = true;
      }
    } catch (err) {
      // Not fatal: the message comes back after its visibility timeout and is decided again.
      logger.error(
        { messageId: message.MessageId, outcome: outcome.kind, error: String(err) },
        'settling an upload notification on the queue failed',
      );
    }
    this.counts[outcome.kind]++;
    this.notifications.inc({ outcome: outcome.kind });
    if (outcome.kind === 'rejected') this.rejections.inc({ reason: outcome.reason });
    const handled = { messageId: message.MessageId, receiveCount, outcome, deleted };
    const uploadId = outcome.uploadId;
    if (outcome.kind === 'duplicate') {
      // Only faults make duplicates (a lost PUBACK or DeleteMessage, a crash mid-reconcile): worth a line.
      logger.info({ messageId: message.MessageId, uploadId, receiveCount }, 'duplicate upload notification');
    } else {
      logger.debug(
        { messageId: message.MessageId, uploadId, receiveCount, outcome: outcome.kind, deleted },
        'upload notification handled',
      );
    }
    for (const listener of this.listeners) {
      try {
        listener(handled);
      } catch (err) {
        logger.error({ error: String(err) }, 'an upload-notification listener failed');
      }
    }
  }

  /** Resolves once the message is deleted; rejects with the queue's reason when it is not. */
  private deleteMessage(receiptHandle: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.deletions.push({ receiptHandle, resolve, reject });
      this.flushDeletions();
    });
  }

  private flushDeletions(): void {
    while (this.deleteCallsInFlight < DELETE_CALLS_IN_FLIGHT && this.deletions.length > 0) {
      const batch = this.deletions.splice(0, DELETE_BATCH_MAX);
      this.deleteCallsInFlight++;
      void this.deleteBatch(batch).finally(() => {
        this.deleteCallsInFlight--;
        this.flushDeletions();
      });
    }
  }

  private async deleteBatch(batch: readonly PendingDeletion[]): Promise<void> {
    const { sqs, queueUrl } = this.options;
    try {
      const out = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((d, i) => ({ Id: String(i), ReceiptHandle: d.receiptHandle })),
        }),
      );
      const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
      batch.forEach((d, i) => {
        const failure = failed.get(String(i));
        if (failure === undefined) d.resolve();
        else d.reject(new Error(`${failure.Code ?? 'error'}: ${failure.Message ?? 'not deleted'}`));
      });
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      for (const d of batch) d.reject(error);
    }
  }
}

interface PendingDeletion {
  readonly receiptHandle: string;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/** DeleteMessageBatch calls under way at once; deletions due meanwhile wait and go together. */
const DELETE_CALLS_IN_FLIGHT = 2;
const DELETE_BATCH_MAX = 10;

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
