/**
 * Message move tasks (SQS API Reference: StartMessageMoveTask, ListMessageMoveTasks,
 * CancelMessageMoveTask): redrive from a dead-letter queue back to the queues its messages came from
 * (no DestinationArn) or to a named queue. Only a queue that is some queue's dead-letter target may be
 * a source; one active (RUNNING or CANCELLING) task per source. A task moves the messages that were in
 * the source when it started and are visible when it reaches them; each becomes a new message on its
 * destination (new id, receive count 0, same body and attributes, the destination's delay), deleted
 * from the source in the same transaction. Tasks are rows of the queue database, so a restart resumes
 * a running one. The task handle is base64 of {"taskId","sourceArn"}, the form Amazon SQS uses.
 */
import { EventEmitter } from 'node:events';
import type { Db } from './db.js';
import { SqsError, invalidParameter } from './errors.js';
import type { MessageRow, QueueInfo } from './store-types.js';

export type MoveTaskStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';

/** A task as ListMessageMoveTasks reports it (ListMessageMoveTasksResultEntry). */
export interface MoveTaskEntry {
  /** Only while the task is active (RUNNING, CANCELLING), as SQS reports it. */
  readonly TaskHandle?: string;
  readonly Status: MoveTaskStatus;
  readonly SourceArn: string;
  readonly DestinationArn?: string;
  readonly MaxNumberOfMessagesPerSecond?: number;
  readonly ApproximateNumberOfMessagesMoved: number;
  readonly ApproximateNumberOfMessagesToMove: number;
  readonly FailureReason?: string;
  /** Epoch milliseconds. */
  readonly StartedTimestamp: number;
}

/** What the tasks need of the queue store. */
export interface MoveTaskHost {
  readonly db: Db;
  now(): number;
  newMessageId(): string;
  queueArn(name: string): string;
  /** The queue name of one of this store's queue ARNs (undefined: not an ARN of this account/region). */
  nameFromArn(arn: string): string | undefined;
  findQueue(name: string): QueueInfo | undefined;
  queueById(id: number): QueueInfo | undefined;
  allQueues(): QueueInfo[];
  /** Wakes long polls of the queue. */
  notify(queueId: number): void;
}

interface TaskRow {
  id: number;
  task_id: string;
  source_queue_id: number;
  destination_arn: string | null;
  max_per_second: number | null;
  status: MoveTaskStatus;
  last_row: number;
  to_move: number;
  moved: number;
  started_at: number;
  failure_reason: string | null;
}

/** Messages moved per step when no rate is set (then steps follow each other at once). */
const UNLIMITED_STEP = 100;
export const MAX_MESSAGES_PER_SECOND = 500;

const ACTIVE: readonly MoveTaskStatus[] = ['RUNNING', 'CANCELLING'];

const sourceNotFound = () =>
  new SqsError(
    'ResourceNotFound',
    "The resource that you specified for the SourceArn parameter doesn't exist.",
  );

export function encodeTaskHandle(taskId: string, sourceArn: string): string {
  return Buffer.from(JSON.stringify({ taskId, sourceArn })).toString('base64');
}

function decodeTaskHandle(handle: string): { taskId: string; sourceArn: string } {
  const invalid = () => new SqsError('InvalidParameterValue', 'Value for parameter TaskHandle is invalid.');
  if (handle.length === 0 || handle.length > 2048 || !/^[A-Za-z0-9+/]+={0,2}$/.test(handle)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(handle, 'base64').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid();
  const { taskId, sourceArn } = parsed as Record<string, unknown>;
  if (typeof taskId !== 'string' || typeof sourceArn !== 'string') throw invalid();
  return { taskId, sourceArn };
}

/** The source ARN a task handle names, if it is one (authorization needs it before the action runs). */
export function taskHandleSource(handle: string): string | undefined {
  try {
    return decodeTaskHandle(handle).sourceArn;
  } catch {
    return undefined;
  }
}

export class MoveTasks {
  /** 'step' after each step of a task (moved so far), 'finished' when it leaves RUNNING/CANCELLING. */
  readonly events = new EventEmitter<{
    step: [taskId: string, moved: number];
    finished: [taskId: string, status: MoveTaskStatus];
  }>();
  readonly #host: MoveTaskHost;
  readonly #timers = new Map<number, NodeJS.Timeout | NodeJS.Immediate>();
  #stopped = false;

  constructor(host: MoveTaskHost) {
    this.#host = host;
  }

  /** Continues the tasks a previous process left active. */
  resume(): void {
    const rows = this.#host.db
      .prepare<[], { id: number }>(`SELECT id FROM move_tasks WHERE status IN ('RUNNING', 'CANCELLING')`)
      .all();
    for (const row of rows) this.#schedule(row.id, 0);
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) {
      clearTimeout(timer as NodeJS.Timeout);
      clearImmediate(timer as NodeJS.Immediate);
    }
    this.#timers.clear();
  }

  start(input: { sourceArn: string; destinationArn?: string; maxPerSecond?: number }): string {
    const host = this.#host;
    const { sourceArn, destinationArn, maxPerSecond } = input;
    if (
      maxPerSecond !== undefined &&
      (!Number.isInteger(maxPerSecond) || maxPerSecond < 1 || maxPerSecond > MAX_MESSAGES_PER_SECOND)
    ) {
      throw invalidParameter(
        'MaxNumberOfMessagesPerSecond',
        maxPerSecond,
        `Must be an integer from 1 to ${MAX_MESSAGES_PER_SECOND}.`,
      );
    }
    const source = this.#queueOfArn(sourceArn);
    if (source === undefined) throw sourceNotFound();
    if (this.#sourcesOf(sourceArn).length === 0) {
      throw new SqsError('InvalidParameterValue', 'Source queue must be configured as a Dead Letter Queue.');
    }
    if (destinationArn !== undefined) {
      const destination = this.#queueOfArn(destinationArn);
      if (destination === undefined) {
        throw new SqsError(
          'ResourceNotFound',
          "The resource that you specified for the DestinationArn parameter doesn't exist.",
        );
      }
      if (destination.id === source.id) {
        throw new SqsError('InvalidParameterValue', 'Source and destination queues must be different.');
      }
    }
    const taskId = host.newMessageId();
    const id = host.db.transaction((): number => {
      const active = host.db
        .prepare<[number], { n: number }>(
          `SELECT count(*) AS n FROM move_tasks WHERE source_queue_id = ? AND status IN ('RUNNING', 'CANCELLING')`,
        )
        .get(source.id);
      if ((active?.n ?? 0) > 0) {
        throw new SqsError(
          'InvalidParameterValue',
          'There is already a task running. Only one active task is allowed for a source queue arn at a given time.',
        );
      }
      const now = host.now();
      const snapshot = host.db
        .prepare<[number, number], { last: number | null; visible: number }>(
          `SELECT max(id) AS last, coalesce(sum(visible_at <= ?), 0) AS visible FROM messages WHERE queue_id = ?`,
        )
        .get(now, source.id);
      const info = host.db
        .prepare(
          `INSERT INTO move_tasks (task_id, source_queue_id, destination_arn, max_per_second, status, last_row, to_move, started_at)
           VALUES (?, ?, ?, ?, 'RUNNING', ?, ?, ?)`,
        )
        .run(
          taskId,
          source.id,
          destinationArn ?? null,
          maxPerSecond ?? null,
          snapshot?.last ?? 0,
          snapshot?.visible ?? 0,
          now,
        );
      return Number(info.lastInsertRowid);
    })();
    this.#schedule(id, 0);
    return encodeTaskHandle(taskId, host.queueArn(source.name));
  }

  /** The source's newest tasks first, at most `max` (1-10, default 1). */
  list(sourceArn: string, max = 1): MoveTaskEntry[] {
    if (!Number.isInteger(max) || max < 1 || max > 10) {
      throw invalidParameter('MaxResults', max, 'Must be an integer from 1 to 10.');
    }
    const source = this.#queueOfArn(sourceArn);
    if (source === undefined) throw sourceNotFound();
    const arn = this.#host.queueArn(source.name);
    return this.#host.db
      .prepare<[number, number], TaskRow>(
        'SELECT * FROM move_tasks WHERE source_queue_id = ? ORDER BY id DESC LIMIT ?',
      )
      .all(source.id, max)
      .map((row) => toEntry(row, arn));
  }

  /** Cancels a RUNNING task; returns how many messages it had moved. */
  cancel(taskHandle: string): number {
    const { taskId, sourceArn } = decodeTaskHandle(taskHandle);
    const source = this.#queueOfArn(sourceArn);
    if (source === undefined) throw sourceNotFound();
    const row = this.#host.db
      .prepare<[string, number], TaskRow>(
        'SELECT * FROM move_tasks WHERE task_id = ? AND source_queue_id = ?',
      )
      .get(taskId, source.id);
    if (row === undefined) throw new SqsError('ResourceNotFound', 'Task does not exist.');
    if (row.status !== 'RUNNING') {
      throw new SqsError(
        'UnsupportedOperation',
        `A message movement task can only be cancelled while RUNNING; this one is ${row.status}.`,
      );
    }
    this.#host.db.prepare(`UPDATE move_tasks SET status = 'CANCELLING' WHERE id = ?`).run(row.id);
    this.#schedule(row.id, 0);
    return row.moved;
  }

  /** The queue an ARN of this store names, if it exists. */
  #queueOfArn(arn: string): QueueInfo | undefined {
    const name = this.#host.nameFromArn(arn);
    return name === undefined ? undefined : this.#host.findQueue(name);
  }

  /** Queues whose redrive policy targets `dlqArn`. */
  #sourcesOf(dlqArn: string): QueueInfo[] {
    return this.#host.allQueues().filter((q) => q.settings.RedrivePolicy?.deadLetterTargetArn === dlqArn);
  }

  #schedule(id: number, delayMs: number): void {
    if (this.#stopped) return;
    const existing = this.#timers.get(id);
    if (existing !== undefined) {
      clearTimeout(existing as NodeJS.Timeout);
      clearImmediate(existing as NodeJS.Immediate);
    }
    const run = () => {
      this.#timers.delete(id);
      if (this.#stopped) return;
      let next: number | undefined;
      try {
        next = this.#step(id);
      } catch {
        // The database closed under the task (shutdown): it resumes on the next start.
        return;
      }
      if (next !== undefined) this.#schedule(id, next);
    };
    // Not unref'd: a task under way is work (close() stops it; it resumes at the next start).
    this.#timers.set(id, delayMs === 0 ? setImmediate(run) : setTimeout(run, delayMs));
  }

  /** One step of a task: moves up to a step's worth; returns the delay before the next step. */
  #step(id: number): number | undefined {
    const host = this.#host;
    const task = host.db.prepare<[number], TaskRow>('SELECT * FROM move_tasks WHERE id = ?').get(id);
    // Gone with its source queue (ON DELETE CASCADE), or finished.
    if (task === undefined || !ACTIVE.includes(task.status)) return undefined;
    if (task.status === 'CANCELLING') return this.#finish(task, 'CANCELLED');
    const source = host.queueById(task.source_queue_id);
    if (source === undefined) return undefined;
    const batch = task.max_per_second ?? UNLIMITED_STEP;
    const notify = new Set<number>();
    const outcome = host.db.transaction((): { moved: number; failure?: string; done: boolean } => {
      const now = host.now();
      const rows = host.db
        .prepare<[number, number, number, number], MessageRow & { dead_letter_source: string | null }>(
          'SELECT * FROM messages WHERE queue_id = ? AND id <= ? AND visible_at <= ? ORDER BY id LIMIT ?',
        )
        .all(source.id, task.last_row, now, batch);
      let moved = 0;
      for (const row of rows) {
        const destination = this.#destinationOf(task, source, row.dead_letter_source);
        if (destination === undefined) {
          return { moved, failure: 'AWS.SimpleQueueService.NonExistentQueue', done: true };
        }
        host.db
          .prepare(
            `INSERT INTO messages (queue_id, message_id, body, md5_body, attributes, md5_attributes, sent_at, visible_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            destination.id,
            host.newMessageId(),
            row.body,
            row.md5_body,
            row.attributes,
            row.md5_attributes,
            now,
            now + destination.settings.DelaySeconds * 1000,
          );
        host.db.prepare('DELETE FROM messages WHERE id = ?').run(row.id);
        notify.add(destination.id);
        moved += 1;
      }
      host.db.prepare('UPDATE move_tasks SET moved = moved + ? WHERE id = ?').run(moved, task.id);
      return { moved, done: rows.length < batch };
    })();
    for (const queueId of notify) host.notify(queueId);
    const after = { ...task, moved: task.moved + outcome.moved };
    this.events.emit('step', task.task_id, after.moved);
    if (outcome.failure !== undefined) return this.#finish(after, 'FAILED', outcome.failure);
    if (outcome.done) return this.#finish(after, 'COMPLETED');
    return task.max_per_second === null ? 0 : 1000;
  }

  /**
   * Where a message goes: the task's destination, else the queue it was dead-lettered from (recorded
   * since the move), else the one queue whose dead-letter target the source is.
   */
  #destinationOf(task: TaskRow, source: QueueInfo, from: string | null): QueueInfo | undefined {
    const host = this.#host;
    if (task.destination_arn !== null) return this.#queueOfArn(task.destination_arn);
    if (from !== null) return host.findQueue(from);
    const sources = this.#sourcesOf(host.queueArn(source.name));
    return sources.length === 1 ? sources[0] : undefined;
  }

  #finish(task: TaskRow, status: MoveTaskStatus, failure?: string): undefined {
    this.#host.db
      .prepare('UPDATE move_tasks SET status = ?, failure_reason = ? WHERE id = ?')
      .run(status, failure ?? null, task.id);
    this.events.emit('finished', task.task_id, status);
    return undefined;
  }
}

function toEntry(row: TaskRow, sourceArn: string): MoveTaskEntry {
  return {
    ...(ACTIVE.includes(row.status) ? { TaskHandle: encodeTaskHandle(row.task_id, sourceArn) } : {}),
    Status: row.status,
    SourceArn: sourceArn,
    ...(row.destination_arn === null ? {} : { DestinationArn: row.destination_arn }),
    ...(row.max_per_second === null ? {} : { MaxNumberOfMessagesPerSecond: row.max_per_second }),
    ApproximateNumberOfMessagesMoved: row.moved,
    ApproximateNumberOfMessagesToMove: row.to_move,
    ...(row.failure_reason === null ? {} : { FailureReason: row.failure_reason }),
    StartedTimestamp: row.started_at,
  };
}
