/**
 * The queue database: SQLite (better-sqlite3) in WAL mode with synchronous=FULL, so a committed write
 * is on disk when the call returns. Schema changes are numbered migrations applied in order inside one
 * transaction each and recorded in PRAGMA user_version.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CamlinkError } from '../errors/camlink-error.js';

export type Db = Database.Database;

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
];

export function openQueueDb(path: string): Db {
  let db: Db;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    throw new CamlinkError('QUEUE_STORE_UNAVAILABLE', `cannot open the queue database ${path}`, {
      cause: err,
    });
  }
  try {
    migrate(db);
  } catch (err) {
    db.close();
    if (err instanceof CamlinkError) throw err;
    throw new CamlinkError('QUEUE_STORE_UNAVAILABLE', `cannot migrate the queue database ${path}`, {
      cause: err,
    });
  }
  return db;
}

function migrate(db: Db): void {
  const version = Number(db.pragma('user_version', { simple: true }));
  if (version > migrations.length) {
    throw new CamlinkError(
      'QUEUE_STORE_UNAVAILABLE',
      `the queue database has schema version ${version}; this camlink knows up to ${migrations.length}`,
    );
  }
  for (let v = version; v < migrations.length; v += 1) {
    db.transaction(() => {
      db.exec(migrations[v] ?? '');
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
