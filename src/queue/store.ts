/**
 * The durable queue store: SQS standard-queue semantics (at-least-once, visibility timeout, delay,
 * retention, dead-letter redrive) over the SQLite database in db.ts. Every mutating call commits before
 * it returns (synchronous=FULL), so a caller that saw it succeed can rely on the row being on disk.
 * Time comes from the injected clock; long-poll wake-ups from QueueWaiters.
 */
import { EventEmitter } from 'node:events';
import type { QueueSink } from '../iot/rules/actions.js';
import { systemClock, systemRandom, type Clock, type RandomBytes } from '../util/clock.js';
import { checkQueueName, parseQueueAttributes, sameSettings, type QueueSettings } from './attributes.js';
import { openQueueDb, type Db } from './db.js';
import { SqsError, invalidParameter } from './errors.js';
import { md5Hex, md5OfMessageAttributes as attributesMd5 } from './md5.js';
import { checkDelay, checkMessage } from './message-rules.js';
import { MoveTasks } from './move-tasks.js';
import { decodeReceiptHandle, encodeReceiptHandle } from './receipt.js';
import { attributesFromJson, attributesToJson, uuidFrom } from './rows.js';
import { QueueWaiters } from './waiters.js';
import type {
  MessageRow,
  QueueCounts,
  QueueInfo,
  QueueRow,
  ReceivedMessage,
  SendInput,
  SentMessage,
} from './store-types.js';

export type { QueueCounts, QueueInfo, ReceivedMessage, SendInput, SentMessage } from './store-types.js';

/** A message the queue moved to its dead-letter queue (the receive that would exceed maxReceiveCount). */
export interface DeadLettered {
  readonly queue: string;
  readonly deadLetterQueue: string;
  readonly messageId: string;
  /** Receives the message had (its maxReceiveCount). */
  readonly receiveCount: number;
}

export interface QueueStoreOptions {
  /** SQLite file (created with its directory when missing). */
  path: string;
  region: string;
  accountId: string;
  partition?: 'aws' | 'aws-cn';
  maxQueues: number;
  clock?: Clock;
  random?: RandomBytes;
}

export const MAX_VISIBILITY_TIMEOUT = 43_200;

interface PendingSend {
  readonly body: string;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/** Throws the SqsError SendMessage would answer for this input on this queue. */
function checkInput(queue: QueueInfo, input: SendInput): void {
  checkMessage(input.body, input.attributes ?? {}, queue.settings.MaximumMessageSize);
  if (input.delaySeconds !== undefined) checkDelay(input.delaySeconds);
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export class QueueStore implements QueueSink {
  readonly region: string;
  readonly accountId: string;
  readonly partition: 'aws' | 'aws-cn';
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #random: RandomBytes;
  readonly #maxQueues: number;
  readonly #waiters = new QueueWaiters();
  /**
   * Emits 'parked' (queue name) when a long poll starts waiting (lets tests send at the right moment),
   * and 'dead-lettered' for each message moved to a dead-letter queue (the server logs it).
   */
  readonly events = new EventEmitter<{ parked: [string]; 'dead-lettered': [DeadLettered] }>();
  /** StartMessageMoveTask and friends (move-tasks.ts). */
  readonly moveTasks: MoveTasks;
  #closed = false;
  /** Rule-engine sends waiting for the next group commit, by queue name. */
  readonly #pendingSends = new Map<string, PendingSend[]>();
  #groupCommitScheduled = false;

  constructor(options: QueueStoreOptions) {
    this.region = options.region;
    this.accountId = options.accountId;
    this.partition = options.partition ?? 'aws';
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? systemRandom;
    this.#maxQueues = options.maxQueues;
    this.#db = openQueueDb(options.path);
    this.moveTasks = new MoveTasks({
      db: this.#db,
      now: () => this.#now(),
      newMessageId: () => uuidFrom(this.#random(16)),
      queueArn: (name) => this.queueArn(name),
      nameFromArn: (arn) => {
        const prefix = `arn:${this.partition}:sqs:${this.region}:${this.accountId}:`;
        return arn.startsWith(prefix) ? arn.slice(prefix.length) : undefined;
      },
      findQueue: (name) => this.#findQueue(name),
      queueById: (id) => {
        const row = this.#db.prepare<[number], QueueRow>('SELECT * FROM queues WHERE id = ?').get(id);
        return row === undefined ? undefined : toQueueInfo(row);
      },
      allQueues: () => this.#db.prepare<[], QueueRow>('SELECT * FROM queues').all().map(toQueueInfo),
      notify: (queueId) => this.#waiters.notify(queueId),
    });
    this.moveTasks.resume();
  }

  close(): void {
    if (this.#closed) return;
    this.#commitPendingSends();
    this.moveTasks.stop();
    this.#closed = true;
    this.#waiters.wakeAll();
    this.#db.close();
  }

  get closed(): boolean {
    return this.#closed;
  }

  #now(): number {
    return this.#clock.now().getTime();
  }

  queueArn(name: string): string {
    return `arn:${this.partition}:sqs:${this.region}:${this.accountId}:${name}`;
  }

  // ---- queues ----

  createQueue(name: string, attributes: Readonly<Record<string, string>> = {}): QueueInfo {
    checkQueueName(name);
    const settings = parseQueueAttributes(attributes);
    if (settings.RedrivePolicy) this.#checkDeadLetterTarget(name, settings.RedrivePolicy.deadLetterTargetArn);
    return this.#db.transaction((): QueueInfo => {
      const existing = this.#findQueue(name);
      if (existing) {
        // SQS compares only the attributes given: each must equal the existing queue's value.
        if (!sameSettings(existing.settings, parseQueueAttributes(attributes, existing.settings))) {
          throw new SqsError(
            'QueueNameExists',
            `A queue already exists with the same name and a different value for attribute(s).`,
          );
        }
        return existing;
      }
      const count = this.#db.prepare<[], { n: number }>('SELECT count(*) AS n FROM queues').get()?.n ?? 0;
      if (count >= this.#maxQueues) {
        throw new SqsError('OverLimit', `This store already holds the maximum of ${this.#maxQueues} queues.`);
      }
      const now = this.#now();
      const info = this.#db
        .prepare('INSERT INTO queues (name, settings, created_at, modified_at) VALUES (?, ?, ?, ?)')
        .run(name, JSON.stringify(settings), now, now);
      return { id: Number(info.lastInsertRowid), name, settings, createdAt: now, modifiedAt: now };
    })();
  }

  /**
   * SetQueueAttributes' effect on the store: the given attributes over the queue's own (not on the wire
   * yet; the platform uses it to bring its own queues to their current settings).
   */
  setQueueAttributes(name: string, attributes: Readonly<Record<string, string>>): QueueInfo {
    const queue = this.getQueue(name);
    const settings = parseQueueAttributes(attributes, queue.settings);
    if (settings.RedrivePolicy) this.#checkDeadLetterTarget(name, settings.RedrivePolicy.deadLetterTargetArn);
    if (sameSettings(settings, queue.settings)) return queue;
    const now = this.#now();
    this.#db
      .prepare('UPDATE queues SET settings = ?, modified_at = ? WHERE id = ?')
      .run(JSON.stringify(settings), now, queue.id);
    return { ...queue, settings, modifiedAt: now };
  }

  #checkDeadLetterTarget(name: string, arn: string): void {
    const prefix = `arn:${this.partition}:sqs:${this.region}:${this.accountId}:`;
    const target = arn.startsWith(prefix) ? arn.slice(prefix.length) : undefined;
    if (target === undefined || target === name || this.#findQueue(target) === undefined) {
      throw new SqsError(
        'InvalidParameterValue',
        `Value ${arn} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`,
      );
    }
  }

  #findQueue(name: string): QueueInfo | undefined {
    const row = this.#db.prepare<[string], QueueRow>('SELECT * FROM queues WHERE name = ?').get(name);
    return row === undefined ? undefined : toQueueInfo(row);
  }

  getQueue(name: string): QueueInfo {
    const queue = this.#findQueue(name);
    if (queue === undefined) {
      throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
    }
    return queue;
  }

  listQueues(prefix = ''): string[] {
    return this.#db
      .prepare<[{ prefix: string }], { name: string }>(
        'SELECT name FROM queues WHERE substr(name, 1, length(@prefix)) = @prefix ORDER BY name',
      )
      .all({ prefix })
      .map((r) => r.name);
  }

  deleteQueue(name: string): void {
    const queue = this.getQueue(name);
    this.#db.prepare('DELETE FROM queues WHERE id = ?').run(queue.id);
    this.#waiters.notify(queue.id);
  }

  purgeQueue(name: string): void {
    const queue = this.getQueue(name);
    this.#db.prepare('DELETE FROM messages WHERE queue_id = ?').run(queue.id);
  }

  counts(name: string): QueueCounts {
    const queue = this.getQueue(name);
    this.#sweep(queue);
    const row = this.#db
      .prepare<[{ now: number; queue: number }], QueueCounts>(
        `SELECT coalesce(sum(visible_at <= @now), 0) AS visible,
                coalesce(sum(visible_at > @now AND receive_count > 0), 0) AS notVisible,
                coalesce(sum(visible_at > @now AND receive_count = 0), 0) AS delayed
           FROM messages WHERE queue_id = @queue`,
      )
      .get({ now: this.#now(), queue: queue.id });
    return row ?? { visible: 0, notVisible: 0, delayed: 0 };
  }

  /** Messages past the retention period are gone, as in SQS. */
  #sweep(queue: QueueInfo): void {
    const oldest = this.#now() - queue.settings.MessageRetentionPeriod * 1000;
    this.#db.prepare('DELETE FROM messages WHERE queue_id = ? AND sent_at <= ?').run(queue.id, oldest);
  }

  // ---- messages ----

  /** Throws the SqsError SendMessage would answer for this input, stores nothing. */
  checkSend(name: string, input: SendInput): void {
    checkInput(this.getQueue(name), input);
  }

  /** Validates and commits a batch in one transaction; a validation failure stores nothing. */
  sendMany(name: string, inputs: readonly SendInput[]): SentMessage[] {
    const queue = this.getQueue(name);
    for (const input of inputs) checkInput(queue, input);
    return this.#insert(queue, inputs);
  }

  /** Commits checked inputs in one transaction and wakes the queue's long polls. */
  #insert(queue: QueueInfo, inputs: readonly SendInput[]): SentMessage[] {
    const insert = this.#db.prepare(
      `INSERT INTO messages (queue_id, message_id, body, md5_body, attributes, md5_attributes, sent_at, visible_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const sent = this.#db.transaction(() =>
      inputs.map((input): SentMessage => {
        const now = this.#now();
        const attributes = input.attributes ?? {};
        const messageId = uuidFrom(this.#random(16));
        const md5OfBody = md5Hex(input.body);
        const md5OfMessageAttributes = attributesMd5(attributes);
        const delay = input.delaySeconds ?? queue.settings.DelaySeconds;
        insert.run(
          queue.id,
          messageId,
          input.body,
          md5OfBody,
          attributesToJson(attributes),
          md5OfMessageAttributes ?? null,
          now,
          now + delay * 1000,
        );
        return { messageId, md5OfBody, md5OfMessageAttributes };
      }),
    )();
    this.#waiters.notify(queue.id);
    return sent;
  }

  send(name: string, input: SendInput): SentMessage {
    const [sent] = this.sendMany(name, [input]);
    if (sent === undefined) throw new Error('unreachable: one input, one result');
    return sent;
  }

  /**
   * QueueSink for the IoT rules engine: resolves once the message is committed to disk. Sends that
   * arrive in the same turn of the event loop (messages from many connections parsed in one poll) are
   * committed together in one transaction, one fsync for all (group commit); each still resolves only
   * after that commit, and an invalid message fails alone.
   */
  sendMessage(queueUrl: string, body: string): Promise<void> {
    let name: string;
    try {
      if (this.#closed) throw new Error('the queue store is closed');
      name = this.queueNameFromUrl(queueUrl);
    } catch (err) {
      return Promise.reject(asError(err));
    }
    return new Promise<void>((resolve, reject) => {
      let pending = this.#pendingSends.get(name);
      if (pending === undefined) this.#pendingSends.set(name, (pending = []));
      pending.push({ body, resolve, reject });
      if (!this.#groupCommitScheduled) {
        this.#groupCommitScheduled = true;
        setImmediate(() => this.#commitPendingSends());
      }
    });
  }

  #commitPendingSends(): void {
    this.#groupCommitScheduled = false;
    const batches = [...this.#pendingSends];
    this.#pendingSends.clear();
    for (const [name, entries] of batches) {
      let queue: QueueInfo;
      try {
        queue = this.getQueue(name);
      } catch (err) {
        for (const entry of entries) entry.reject(asError(err));
        continue;
      }
      const valid: PendingSend[] = [];
      for (const entry of entries) {
        try {
          checkInput(queue, { body: entry.body });
          valid.push(entry);
        } catch (err) {
          entry.reject(asError(err));
        }
      }
      if (valid.length === 0) continue;
      try {
        this.#insert(
          queue,
          valid.map((entry) => ({ body: entry.body })),
        );
        for (const entry of valid) entry.resolve();
      } catch (err) {
        for (const entry of valid) entry.reject(asError(err));
      }
    }
  }

  /** "<scheme>://<host>/<account>/<name>" -> name; any host, this store's account only. */
  queueNameFromUrl(queueUrl: string): string {
    let path: string;
    try {
      path = new URL(queueUrl).pathname;
    } catch {
      throw invalidParameter('QueueUrl', queueUrl, 'Not a valid URL.');
    }
    const match = /^\/(\d{12})\/([^/]+)$/.exec(path);
    if (match === null || match[1] !== this.accountId) {
      throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
    }
    return match[2] ?? '';
  }

  receive(name: string, options: { max: number; visibilityTimeout?: number }): ReceivedMessage[] {
    const queue = this.getQueue(name);
    const vt = options.visibilityTimeout ?? queue.settings.VisibilityTimeout;
    const redrive = queue.settings.RedrivePolicy;
    const dlqName = redrive?.deadLetterTargetArn.split(':')[5];
    const dlq = dlqName === undefined ? undefined : this.#findQueue(dlqName);
    const select = this.#db.prepare<[number, number, number], MessageRow>(
      'SELECT * FROM messages WHERE queue_id = ? AND visible_at <= ? ORDER BY visible_at, id LIMIT ?',
    );
    const moved: DeadLettered[] = [];
    const out = this.#db.transaction((): ReceivedMessage[] => {
      this.#sweep(queue);
      const now = this.#now();
      const received: ReceivedMessage[] = [];
      while (received.length < options.max) {
        const rows = select.all(queue.id, now, options.max - received.length);
        if (rows.length === 0) break;
        for (const row of rows) {
          const count = row.receive_count + 1;
          if (redrive !== undefined && dlq !== undefined && count > redrive.maxReceiveCount) {
            this.#moveTo(dlq.id, row, now, queue.name);
            moved.push({
              queue: queue.name,
              deadLetterQueue: dlq.name,
              messageId: row.message_id,
              receiveCount: row.receive_count,
            });
            continue;
          }
          const token = Buffer.from(this.#random(16)).toString('hex');
          const first = row.first_received_at ?? now;
          this.#db
            .prepare(
              'UPDATE messages SET receive_count = ?, first_received_at = ?, visible_at = ?, receipt_token = ? WHERE id = ?',
            )
            .run(count, first, now + vt * 1000, token, row.id);
          received.push({
            messageId: row.message_id,
            md5OfBody: row.md5_body,
            md5OfMessageAttributes: row.md5_attributes ?? undefined,
            body: row.body,
            attributes: attributesFromJson(row.attributes),
            receiptHandle: encodeReceiptHandle({ queueId: queue.id, rowId: row.id, token }),
            receiveCount: count,
            sentAt: row.sent_at,
            firstReceivedAt: first,
          });
        }
      }
      return received;
    })();
    if (moved.length > 0 && dlq !== undefined) {
      this.#waiters.notify(dlq.id);
      for (const m of moved) this.events.emit('dead-lettered', m);
    }
    return out;
  }

  /**
   * Redrive keeps the message id, body, attributes and SentTimestamp; the receive count starts over.
   * The source queue is recorded: a move task without a destination sends the message back there.
   */
  #moveTo(queueId: number, row: MessageRow, now: number, source: string): void {
    this.#db
      .prepare(
        `INSERT INTO messages (queue_id, message_id, body, md5_body, attributes, md5_attributes, sent_at, visible_at, dead_letter_source)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        queueId,
        row.message_id,
        row.body,
        row.md5_body,
        row.attributes,
        row.md5_attributes,
        row.sent_at,
        now,
        source,
      );
    this.#db.prepare('DELETE FROM messages WHERE id = ?').run(row.id);
  }

  /**
   * Runs `fn` in one transaction: the batch actions (DeleteMessageBatch, ChangeMessageVisibilityBatch)
   * commit their entries with one fsync. An entry that fails with an error `fn` catches changes nothing
   * and does not undo the others.
   */
  inOneCommit<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }

  /** Milliseconds until the earliest message of the queue becomes visible (undefined: none pending). */
  nextVisibleInMs(name: string): number | undefined {
    const queue = this.getQueue(name);
    const row = this.#db
      .prepare<[number], { at: number | null }>(
        'SELECT min(visible_at) AS at FROM messages WHERE queue_id = ?',
      )
      .get(queue.id);
    return row?.at == null ? undefined : Math.max(0, row.at - this.#now());
  }

  /** Waits for a send (or visibility change) on the queue, at most `ms`. */
  waitForMessages(name: string, ms: number, signal?: AbortSignal): Promise<void> {
    const queue = this.getQueue(name);
    const next = this.nextVisibleInMs(name);
    const waiting = this.#waiters.wait(queue.id, next === undefined ? ms : Math.min(ms, next), signal);
    this.events.emit('parked', name);
    return waiting;
  }

  /**
   * Deletes the message the handle was issued for. As SQS documents for DeleteMessage, a handle from an
   * earlier receive (the message was received again since) succeeds without deleting, and so does a
   * handle of a message that is already gone; a handle that is not one of ours is ReceiptHandleIsInvalid.
   */
  deleteMessage(name: string, receiptHandle: string): void {
    const queue = this.getQueue(name);
    const handle = decodeReceiptHandle(receiptHandle);
    if (handle.queueId !== queue.id) {
      throw new SqsError('ReceiptHandleIsInvalid', 'The receipt handle is not valid for this queue.');
    }
    this.#db
      .prepare('DELETE FROM messages WHERE id = ? AND queue_id = ? AND receipt_token = ?')
      .run(handle.rowId, queue.id, handle.token);
  }

  /**
   * ChangeMessageVisibility: the handle must be the latest of a message still in the queue
   * (ReceiptHandleIsInvalid "The receipt handle has expired" otherwise) and the message must be in
   * flight (MessageNotInflight once its visibility timeout has passed).
   */
  changeVisibility(name: string, receiptHandle: string, seconds: number): void {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_VISIBILITY_TIMEOUT) {
      throw invalidParameter(
        'VisibilityTimeout',
        seconds,
        `Must be between 0 and ${MAX_VISIBILITY_TIMEOUT}.`,
      );
    }
    const queue = this.getQueue(name);
    const handle = decodeReceiptHandle(receiptHandle);
    const row =
      handle.queueId === queue.id
        ? this.#db
            .prepare<[number, number], MessageRow>('SELECT * FROM messages WHERE id = ? AND queue_id = ?')
            .get(handle.rowId, queue.id)
        : undefined;
    if (row === undefined || row.receipt_token !== handle.token) {
      throw new SqsError(
        'ReceiptHandleIsInvalid',
        `Value ${receiptHandle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`,
      );
    }
    const now = this.#now();
    if (row.visible_at <= now) throw new SqsError('MessageNotInflight', 'The message is not in flight.');
    this.#db.prepare('UPDATE messages SET visible_at = ? WHERE id = ?').run(now + seconds * 1000, row.id);
    if (seconds === 0) this.#waiters.notify(queue.id);
  }
}

function toQueueInfo(row: QueueRow): QueueInfo {
  return {
    id: row.id,
    name: row.name,
    settings: parseQueueAttributes({}, JSON.parse(row.settings) as QueueSettings),
    createdAt: row.created_at,
    modifiedAt: row.modified_at,
  };
}
