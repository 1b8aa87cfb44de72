/**
 * The backend schema, written once for SQLite and PostgreSQL in the subset both accept: TEXT, BIGINT
 * (epoch milliseconds), PRIMARY KEY, UNIQUE, REFERENCES, CHECK, partial indexes (CREATE INDEX ...
 * WHERE). Migrations are append-only; each runs in its own transaction with its row in
 * schema_migrations, under the driver's migration lock.
 */
import type { SqlDriver } from './driver.js';

export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE users (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     created_at BIGINT NOT NULL);
   CREATE TABLE api_tokens (
     id TEXT PRIMARY KEY,
     user_id TEXT REFERENCES users (id),
     token_hash TEXT NOT NULL UNIQUE,
     scope TEXT NOT NULL CHECK (scope IN ('user', 'operator')),
     created_at BIGINT NOT NULL,
     last_used_at BIGINT,
     revoked_at BIGINT,
     CHECK ((scope = 'user') = (user_id IS NOT NULL)));
   CREATE INDEX api_tokens_by_user ON api_tokens (user_id);
   CREATE TABLE devices (
     device_id TEXT PRIMARY KEY,
     certificate_id TEXT,
     created_at BIGINT NOT NULL);
   CREATE TABLE user_devices (
     device_id TEXT PRIMARY KEY REFERENCES devices (device_id),
     user_id TEXT NOT NULL REFERENCES users (id),
     paired_at BIGINT NOT NULL);
   CREATE INDEX user_devices_by_user ON user_devices (user_id);
   CREATE TABLE pairing_challenges (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL REFERENCES users (id),
     device_id TEXT,
     nonce TEXT NOT NULL,
     expires_at BIGINT NOT NULL,
     used_at BIGINT);
   CREATE TABLE uploads (
     upload_id TEXT PRIMARY KEY,
     device_id TEXT NOT NULL REFERENCES devices (device_id),
     user_id TEXT REFERENCES users (id),
     bucket TEXT NOT NULL,
     object_key TEXT NOT NULL,
     content_type TEXT NOT NULL,
     max_size BIGINT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'rejected')),
     size BIGINT,
     sha256 TEXT,
     created_at BIGINT NOT NULL,
     expires_at BIGINT NOT NULL,
     completed_at BIGINT);
   CREATE INDEX uploads_by_device ON uploads (device_id, created_at);`,
  // 2: reconciliation and the media API. Who asked for the URL (the app through the API, or the device
  // over MQTT), the object's unsigned URL and capture time from the notification, why a notification
  // was refused, and soft deletion (the object is deleted from storage; the row keeps the history).
  `ALTER TABLE uploads ADD COLUMN requested_by TEXT NOT NULL DEFAULT 'app' CHECK (requested_by IN ('app', 'device'));
   ALTER TABLE uploads ADD COLUMN object_url TEXT;
   ALTER TABLE uploads ADD COLUMN captured_at BIGINT;
   ALTER TABLE uploads ADD COLUMN rejected_reason TEXT;
   ALTER TABLE uploads ADD COLUMN deleted_at BIGINT;
   CREATE INDEX pairing_challenges_by_user ON pairing_challenges (user_id);`,
  // 3: the device's last MQTT presence (AWS IoT lifecycle events): online/offline, the event's
  // versionNumber and timestamp, which order events that arrive out of order.
  `ALTER TABLE devices ADD COLUMN presence_state TEXT CHECK (presence_state IN ('online', 'offline'));
   ALTER TABLE devices ADD COLUMN presence_version BIGINT;
   ALTER TABLE devices ADD COLUMN presence_at BIGINT;`,
  // 4: the upload sweeper (src/backend/uploads/sweeper.ts) decides pending uploads whose notification
  // never came: it needs the SHA-256 the uploader declared, and finds its work, oldest expiry first,
  // through a partial index that holds the live pending rows only.
  `ALTER TABLE uploads ADD COLUMN declared_sha256 TEXT;
   CREATE INDEX uploads_pending_by_expiry ON uploads (expires_at, upload_id)
     WHERE status = 'pending' AND deleted_at IS NULL;`,
  // 5: one row per prober that BackendStore.probeWrite rewrites: a real write (a read succeeds on a
  // full disk; an unchanged row is not even written), so the reconciler knows the store takes writes again.
  `CREATE TABLE store_probes (
     prober TEXT PRIMARY KEY,
     writes BIGINT NOT NULL,
     at BIGINT NOT NULL);`,
];

/** Applies the migrations the database has not seen; returns the resulting schema version. */
export async function migrate(driver: SqlDriver, now: number): Promise<number> {
  for (let version = 1; version <= MIGRATIONS.length; version++) {
    await driver.transaction(async (tx) => {
      await driver.lockMigrations(tx);
      await driver.exec(
        tx,
        'CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)',
      );
      const seen = await tx.query('SELECT version FROM schema_migrations WHERE version = $1', [version]);
      if (seen.length > 0) return;
      await driver.exec(tx, MIGRATIONS[version - 1] ?? '');
      await tx.run('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version, now]);
    });
  }
  return MIGRATIONS.length;
}
