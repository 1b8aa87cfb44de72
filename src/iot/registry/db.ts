/**
 * The IoT registry's SQLite database (better-sqlite3 12, WAL, synchronous=FULL: a 200 from the API is
 * on disk). Migrations are numbered and applied in one transaction each; user_version records the
 * schema version.
 */
import type Database from 'better-sqlite3';
import { cacheStatements, dataDirOf, openSqliteFile, sqliteFailure } from '../../util/sqlite.js';

export type Db = Database.Database;

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE ca_certificates (
     certificate_id TEXT PRIMARY KEY, pem TEXT NOT NULL, subject TEXT NOT NULL, status TEXT NOT NULL,
     mode TEXT NOT NULL, auto_registration TEXT NOT NULL, template_body TEXT, role_arn TEXT,
     not_before INTEGER NOT NULL, not_after INTEGER NOT NULL,
     created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, version INTEGER NOT NULL);
   CREATE TABLE certificates (
     certificate_id TEXT PRIMARY KEY, pem TEXT NOT NULL, ca_certificate_id TEXT, status TEXT NOT NULL,
     mode TEXT NOT NULL, common_name TEXT, not_before INTEGER NOT NULL, not_after INTEGER NOT NULL,
     created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, version INTEGER NOT NULL);
   CREATE INDEX certificates_by_ca ON certificates (ca_certificate_id);
   CREATE TABLE things (
     thing_name TEXT PRIMARY KEY, thing_id TEXT NOT NULL, thing_type TEXT, attributes TEXT NOT NULL,
     version INTEGER NOT NULL, created_at INTEGER NOT NULL);
   CREATE TABLE thing_principals (thing_name TEXT NOT NULL, principal TEXT NOT NULL, PRIMARY KEY (thing_name, principal));
   CREATE INDEX thing_principals_by_principal ON thing_principals (principal);
   CREATE TABLE policies (
     policy_name TEXT PRIMARY KEY, document TEXT NOT NULL, version_id TEXT NOT NULL,
     created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
   CREATE TABLE policy_targets (policy_name TEXT NOT NULL, target TEXT NOT NULL, PRIMARY KEY (policy_name, target));
   CREATE INDEX policy_targets_by_target ON policy_targets (target);`,
  `CREATE TABLE role_aliases (
     role_alias TEXT PRIMARY KEY, role_arn TEXT NOT NULL, credential_duration_seconds INTEGER NOT NULL,
     created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);`,
  `CREATE TABLE topic_rules (
     rule_name TEXT PRIMARY KEY, payload TEXT NOT NULL, topic_pattern TEXT NOT NULL,
     created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);`,
];

/** A damaged file or a full disk fails as DATABASE_CORRUPT or STORAGE_FULL naming the file. */
export function openRegistryDb(path: string): Db {
  const id = { what: 'IoT registry', dataDir: dataDirOf(path, 'iot.db') };
  const db = cacheStatements(openSqliteFile(path, id));
  try {
    const version = Number(db.pragma('user_version', { simple: true }));
    for (let v = version; v < MIGRATIONS.length; v++) {
      db.transaction(() => {
        db.exec(MIGRATIONS[v] ?? '');
        db.pragma(`user_version = ${v + 1}`);
      })();
    }
  } catch (err) {
    db.close();
    throw sqliteFailure(err, path, id) ?? err;
  }
  return db;
}
