/**
 * The video catalogue database: SQLite (better-sqlite3) in WAL mode with synchronous=FULL, so a
 * committed stream or fragment row is on disk when the call returns. Schema changes are numbered
 * migrations applied in order, one transaction each, recorded in PRAGMA user_version.
 */
import { dataDirOf, openMigratedDb, type Db } from '../util/sqlite.js';

export type { Db };

export const migrations: readonly string[] = [
  // 1: streams, their tags, their fragments, and the fragment-number counter.
  `CREATE TABLE streams (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     arn TEXT NOT NULL UNIQUE,
     device_name TEXT,
     media_type TEXT,
     kms_key_id TEXT NOT NULL,
     retention_hours INTEGER NOT NULL,
     status TEXT NOT NULL,
     version TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE tags (
     stream_id INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
     key TEXT NOT NULL,
     value TEXT NOT NULL,
     PRIMARY KEY (stream_id, key)
   );
   CREATE TABLE fragments (
     id INTEGER PRIMARY KEY,
     stream_id INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
     number TEXT NOT NULL UNIQUE,
     producer_ts INTEGER NOT NULL,
     server_ts INTEGER NOT NULL,
     duration_ms INTEGER NOT NULL,
     size_bytes INTEGER NOT NULL,
     path TEXT NOT NULL,
     codec_private TEXT
   );
   CREATE INDEX fragments_by_number ON fragments(stream_id, number);
   CREATE INDEX fragments_by_producer_ts ON fragments(stream_id, producer_ts);
   CREATE INDEX fragments_by_server_ts ON fragments(stream_id, server_ts);
   CREATE TABLE counters (
     name TEXT PRIMARY KEY,
     value INTEGER NOT NULL
   );
   INSERT INTO counters (name, value) VALUES ('fragment', 0);`,
];

export function openVideoDb(path: string): Db {
  return openMigratedDb(path, migrations, {
    code: 'VIDEO_STORE_UNAVAILABLE',
    what: 'video',
    dataDir: dataDirOf(path, 'video/video.db'),
  });
}
