/**
 * The upload-notification consumer: long-polls the upload queue (SQS ReceiveMessage) and reconciles
 * up to `concurrency` notifications at once. A decided notification (completed, duplicate, rejected)
 * is deleted; one to retry is left on the queue with a growing visibility timeout, and the queue's
 * redrive policy (5 receives) moves it to the dead-letter queue.
 *
 * Only a message's own trouble may spend its receives. A retry caused by the backend's own dependency
 * (reconcile.ts: its store, the object store) opens the circuit breaker (breaker.ts): no receives until
 * a probe finds the dependency working again, and the message goes back with the shortest retry delay.
 * A message that its receive count brought to the queue's maxReceiveCount - 1 (the RedrivePolicy, read
 * at start) and that failed for the backend's own reason is re-sent as a fresh message (SendMessage of
 * the same body, then DeleteMessage), so it never dead-letters for the backend's fault; after
 * `maxRequeues` such re-sends it is let go (a message the dependency keeps failing on while the probes
 * pass is a bad message after all), and the dead-letter queue is watched (dead-letters.ts).
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
import { DependencyBreaker } from './breaker.js';
import { readRedrivePolicy } from './dead-letters.js';
import type { Dependency, ReconcileOutcome } from './reconcile.js';
import { requeuesOf, resend } from './requeue.js';

export type OutcomeKind = ReconcileOutcome['kind'];

export interface HandledNotification {
  readonly messageId: string | undefined;
  readonly receiveCount: number;
  readonly outcome: ReconcileOutcome;
  /** False when the message was left on the queue (retry) or its DeleteMessage failed. */
  readonly deleted: boolean;
  /** True when it was re-sent as a fresh message (an own failure at its last receives). */
  readonly requeued: boolean;
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
  /** Checks one of the backend's own dependencies while the breaker is open (breaker.ts). */
  readonly probe: (dependency: Dependency) => Promise<void>;
  /** Pause before each probe (default 1 s doubling up to 60 s). */
  readonly probeDelayMs?: (attempt: number) => number;
  /** Re-sends of one notification for own failures before it is let go to the dead-letter queue. */
  readonly maxRequeues?: number;
}

export const DEFAULT_MAX_REQUEUES = 10;
/** maxReceiveCount when the queue's RedrivePolicy cannot be read (the upload queue's own). */
const FALLBACK_MAX_RECEIVE_COUNT = 5;

export const defaultRetryDelaySeconds = (receiveCount: number): number =>
  Math.min(5 * 2 ** Math.max(0, receiveCount - 1), 300);

/** Pause after a failed ReceiveMessage, doubling up to this. */
const RECEIVE_BACKOFF_MAX_MS = 30_000;

export class UploadConsumer {
  /** Notifications handled since start, by outcome. */
  readonly counts: Record<OutcomeKind, number> = { completed: 0, duplicate: 0, rejected: 0, retry: 0 };
  private readonly notifications: Counter<'outcome'>;
  private readonly rejections: Counter<'reason'>;
  private readonly requeues: Counter;
  readonly breaker: DependencyBreaker;
  /** The upload queue's maxReceiveCount (read at start); undefined: no dead-letter queue. */
  private maxReceiveCount: number | undefined = FALLBACK_MAX_RECEIVE_COUNT;
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
    this.requeues = new Counter({
      name: 'camlink_backend_notifications_requeued_total',
      help: "Upload notifications re-sent as fresh messages: the backend's own failures brought them to their last receives.",
      registers,
    });
    this.breaker = new DependencyBreaker({
      probe: options.probe,
      logger: options.logger,
      ...(options.registry ? { registry: options.registry } : {}),
      ...(options.probeDelayMs ? { probeDelayMs: options.probeDelayMs } : {}),
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
    this.breaker.start();
    this.loop = this.run(abort.signal);
  }

  /** Aborts the long poll and waits until every received notification is handled. */
  async stop(): Promise<void> {
    this.abort?.abort();
    this.slotFreed?.();
    await this.loop;
    await Promise.all(this.inFlight);
    this.breaker.stop();
    this.loop = undefined;
    this.abort = undefined;
  }

  /** Reads the queue's maxReceiveCount (RedrivePolicy); 5 when it cannot be read. */
  private async readMaxReceiveCount(signal: AbortSignal): Promise<void> {
    const { sqs, queueUrl, logger } = this.options;
    try {
      this.maxReceiveCount = (await readRedrivePolicy(sqs, queueUrl, signal))?.maxReceiveCount;
    } catch (err) {
      if (signal.aborted) return;
      logger.warn(
        { queueUrl, error: String(err), maxReceiveCount: FALLBACK_MAX_RECEIVE_COUNT },
        "the upload queue's RedrivePolicy could not be read (sqs:GetQueueAttributes); assuming maxReceiveCount 5",
      );
    }
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { sqs, queueUrl, batchSize, waitTimeSeconds, concurrency, logger } = this.options;
    await this.readMaxReceiveCount(signal);
    let failures = 0;
    while (!signal.aborted) {
      while (this.inFlight.size >= concurrency && !signal.aborted) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
      }
      // The backend's own dependency fails: receive nothing until a probe finds it working.
      await this.breaker.whenClosed(signal);
      if (signal.aborted) break;
      let messages: Message[];
      try {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(batchSize, concurrency - this.inFlight.size),
            WaitTimeSeconds: waitTimeSeconds,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
            // All of them: a re-sent notification keeps its attributes.
            MessageAttributeNames: ['All'],
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
    const { logger } = this.options;
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
    let outcome: ReconcileOutcome;
    const paused = this.breaker.openFor;
    try {
      // Received by a long poll that was under way when the breaker opened: held, not tried.
      outcome =
        paused === undefined
          ? await this.options.reconcile(message.Body ?? '')
          : {
              kind: 'retry',
              uploadId: undefined,
              error: new Error(`the reconciler is paused: the backend's ${paused} fails`),
              cause: paused,
            };
    } catch (err) {
      // reconcile() does not throw; if it did, the message is not known to be innocent.
      outcome = {
        kind: 'retry',
        uploadId: undefined,
        error: err instanceof Error ? err : new Error(String(err)),
        cause: 'message',
      };
    }
    if (outcome.kind === 'retry' && outcome.cause !== 'message')
      this.breaker.trip(outcome.cause, outcome.error);
    if (outcome.kind !== 'retry') this.breaker.succeeded();
    const { deleted, requeued } = await this.settle(message, outcome, receiveCount);
    this.counts[outcome.kind]++;
    this.notifications.inc({ outcome: outcome.kind });
    if (outcome.kind === 'rejected') this.rejections.inc({ reason: outcome.reason });
    const handled = { messageId: message.MessageId, receiveCount, outcome, deleted, requeued };
    const uploadId = outcome.uploadId;
    if (outcome.kind === 'duplicate') {
      // Only faults make duplicates (a lost PUBACK or DeleteMessage, a crash mid-reconcile): worth a line.
      logger.info({ messageId: message.MessageId, uploadId, receiveCount }, 'duplicate upload notification');
    } else {
      logger.debug(
        { messageId: message.MessageId, uploadId, receiveCount, outcome: outcome.kind, deleted, requeued },
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

  /**
   * Deletes a decided message; leaves one to retry with a visibility timeout, or re-sends it fresh when
   * the backend's own failure met its last receives. Failures here are not fatal: the message comes
   * back after its visibility timeout and is decided again.
   */
  private async settle(
    message: Message,
    outcome: ReconcileOutcome,
    receiveCount: number,
  ): Promise<{ deleted: boolean; requeued: boolean }> {
    const { sqs, queueUrl, logger } = this.options;
    const delayOf = this.options.retryDelaySeconds ?? defaultRetryDelaySeconds;
    try {
      if (outcome.kind !== 'retry') {
        await this.deleteMessage(message.ReceiptHandle ?? '');
        return { deleted: true, requeued: false };
      }
      const own = outcome.cause !== 'message';
      if (own && this.atLastReceives(receiveCount) && (await this.requeue(message, outcome))) {
        return { deleted: false, requeued: true };
      }
      // Not the message's fault: back soon, for when the breaker closes.
      const delay = own ? delayOf(1) : delayOf(receiveCount);
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: delay,
        }),
      );
    } catch (err) {
      logger.error(
        { messageId: message.MessageId, outcome: outcome.kind, error: String(err) },
        'settling an upload notification on the queue failed',
      );
    }
    return { deleted: false, requeued: false };
  }

  /** Whether the next receive (or the one after, the count being approximate) would dead-letter it. */
  private atLastReceives(receiveCount: number): boolean {
    return this.maxReceiveCount !== undefined && receiveCount >= this.maxReceiveCount - 1;
  }

  /** SendMessage of the same body and attributes (re-sends counted), then DeleteMessage of the old one. */
  private async requeue(message: Message, outcome: ReconcileOutcome): Promise<boolean> {
    const { sqs, queueUrl, logger } = this.options;
    const requeues = requeuesOf(message);
    const log = { messageId: message.MessageId, uploadId: outcome.uploadId };
    if (requeues >= (this.options.maxRequeues ?? DEFAULT_MAX_REQUEUES)) {
      logger.warn(
        { ...log, requeues },
        `an upload notification failed for the backend's own reasons through ${requeues} re-sends while the probes passed; it is let go to the dead-letter queue`,
      );
      return false;
    }
    try {
      const newMessageId = await resend(sqs, queueUrl, message);
      logger.warn(
        { ...log, newMessageId, requeues: requeues + 1 },
        "upload notification re-sent as a fresh message: the backend's own failures brought it to its last receives",
      );
    } catch (err) {
      logger.error(
        { ...log, error: String(err) },
        're-sending an upload notification failed; it stays on the queue',
      );
      return false;
    }
    this.requeues.inc();
    try {
      await this.deleteMessage(message.ReceiptHandle ?? '');
    } catch (err) {
      // Both copies are reconciled then; the second is a duplicate.
      logger.error({ ...log, error: String(err) }, 'deleting a re-sent upload notification failed');
    }
    return true;
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
