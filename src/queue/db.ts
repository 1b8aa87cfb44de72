/**
 * The queue database: SQLite (better-sqlite3) in WAL mode with synchronous=FULL, so a committed write
 * is on disk when the call returns. Schema changes are numbered migrations applied in order inside one
 * transaction each and recorded in PRAGMA user_version.
 */
import { dataDirOf, openMigratedDb, type Db } from '../util/sqlite.js';

export type { Db };

export const migrations: readonly string[] = [
  // 1: queues and their messages.
  `CREATE TABLE queues (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     settings TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     modified_at INTEGER NOT NULL
   );
   CREATE TABLE messages (
     id INTEGER PRIMARY KEY,
     queue_id INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
     message_id TEXT NOT NULL,
     body TEXT NOT NULL,
     md5_body TEXT NOT NULL,
     attributes TEXT,
     md5_attributes TEXT,
     sent_at INTEGER NOT NULL,
     visible_at INTEGER NOT NULL,
     receive_count INTEGER NOT NULL DEFAULT 0,
     first_received_at INTEGER,
     receipt_token TEXT
   );
   CREATE INDEX messages_ready ON messages(queue_id, visible_at, id);
   CREATE INDEX messages_sent ON messages(queue_id, sent_at);`,
  // 2: dead-letter redrive. The queue a dead-lettered message came from (StartMessageMoveTask without a
  // DestinationArn moves it back there), and the message move tasks themselves.
  `ALTER TABLE messages ADD COLUMN dead_letter_source TEXT;
   CREATE TABLE move_tasks (
     id INTEGER PRIMARY KEY,
     task_id TEXT NOT NULL UNIQUE,
     source_queue_id INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
     destination_arn TEXT,
     max_per_second INTEGER,
     status TEXT NOT NULL,
     last_row INTEGER NOT NULL,
     to_move INTEGER NOT NULL,
     moved INTEGER NOT NULL DEFAULT 0,
     started_at INTEGER NOT NULL,
     failure_reason TEXT
   );
   CREATE INDEX move_tasks_by_source ON move_tasks(source_queue_id, id);`,
];

export function openQueueDb(path: string): Db {
  return openMigratedDb(path, migrations, {
    code: 'QUEUE_STORE_UNAVAILABLE',
    what: 'queue',
    dataDir: dataDirOf(path, 'queue/queue.db'),
  });
}
