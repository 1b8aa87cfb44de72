/**
 * The IAM database (DATA_DIR/iam.db): SQLite (better-sqlite3) in WAL mode with synchronous=FULL, numbered
 * migrations recorded in PRAGMA user_version (src/util/sqlite.ts). Role names are unique without regard
 * to case, as in IAM: `name_key` is the lower-cased name.
 */
import { dataDirOf, openMigratedDb, type Db } from '../util/sqlite.js';

export type { Db };

export const migrations: readonly string[] = [
  // 1: roles, their inline policies and their attached managed policies.
  `CREATE TABLE roles (
     name_key TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     path TEXT NOT NULL,
     role_id TEXT NOT NULL UNIQUE,
     trust_policy TEXT NOT NULL,
     description TEXT,
     max_session_duration INTEGER NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE role_policies (
     role_key TEXT NOT NULL REFERENCES roles(name_key) ON DELETE CASCADE,
     policy_name TEXT NOT NULL,
     document TEXT NOT NULL,
     PRIMARY KEY (role_key, policy_name)
   );
   CREATE TABLE role_attachments (
     role_key TEXT NOT NULL REFERENCES roles(name_key) ON DELETE CASCADE,
     policy_arn TEXT NOT NULL,
     attached_at INTEGER NOT NULL,
     PRIMARY KEY (role_key, policy_arn)
   );`,
];

export function openIamDb(path: string): Db {
  return openMigratedDb(path, migrations, {
    code: 'IAM_STORE_UNAVAILABLE',
    what: 'IAM',
    dataDir: dataDirOf(path, 'iam.db'),
  });
}
