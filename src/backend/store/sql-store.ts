/**
 * BackendStore over a SqlDriver: the SQL is written once and runs unchanged on SQLite and PostgreSQL.
 * Invariants that span statements (a user with their first token, a device with one owner, a challenge
 * spent once) are enforced by constraints and transactions, not by read-then-write races.
 */
import type { Row, SqlDriver, SqlExecutor, SqlValue } from './driver.js';
import { findPresence, recordPresence } from './presence-sql.js';
import { storeTables, type StoreTable } from './types.js';
import type {
  ApiToken,
  BackendStore,
  CompleteResult,
  ConsumeResult,
  Device,
  DeviceLink,
  DevicePresence,
  LinkResult,
  PairingChallenge,
  PresenceResult,
  TokenScope,
  Upload,
  UploadCompletion,
  UploadPage,
  UploadRequester,
  UploadStatus,
  User,
} from './types.js';

export class SqlBackendStore implements BackendStore {
  constructor(private readonly db: SqlDriver) {}

  get dialect(): 'sqlite' | 'postgres' {
    return this.db.dialect;
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1 AS ok');
  }

  async probeWrite(prober: string, at: number): Promise<void> {
    // The counter changes the row every time: SQLite skips writing a row rewritten unchanged.
    await this.db.run(
      `INSERT INTO store_probes (prober, writes, at) VALUES ($1, 1, $2)
       ON CONFLICT (prober) DO UPDATE SET writes = store_probes.writes + 1, at = excluded.at`,
      [prober, at],
    );
  }

  checkIntegrity(mode: 'quick' | 'full'): Promise<string[]> {
    return this.db.checkIntegrity(mode);
  }

  close(): Promise<void> {
    return this.db.close();
  }

  async countRows(): Promise<Record<StoreTable, number>> {
    const counts = {} as Record<StoreTable, number>;
    for (const table of storeTables) {
      const [row] = await this.db.query(`SELECT COUNT(*) AS n FROM ${table}`);
      counts[table] = num(row?.n);
    }
    return counts;
  }

  createUser(user: User): Promise<boolean> {
    return insertUser(this.db, user);
  }

  async findUser(id: string): Promise<User | undefined> {
    const [row] = await this.db.query('SELECT id, name, created_at FROM users WHERE id = $1', [id]);
    return row && toUser(row);
  }

  createUserWithToken(user: User, token: ApiToken): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      if (!(await insertUser(tx, user))) return false;
      if (!(await insertToken(tx, token))) throw new Error('token id or hash collision');
      return true;
    });
  }

  createToken(token: ApiToken): Promise<boolean> {
    return insertToken(this.db, token);
  }

  async findTokenByHash(tokenHash: string): Promise<ApiToken | undefined> {
    const [row] = await this.db.query(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1`, [
      tokenHash,
    ]);
    return row && toToken(row);
  }

  async touchToken(id: string, at: number): Promise<void> {
    await this.db.run('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [id, at]);
  }

  async revokeToken(id: string, at: number): Promise<boolean> {
    const changed = await this.db.run(
      'UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL',
      [id, at],
    );
    return changed === 1;
  }

  async createDevice(
    device: { deviceId: string; certificateId: string | undefined },
    at: number,
  ): Promise<boolean> {
    const changed = await this.db.run(
      'INSERT INTO devices (device_id, certificate_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (device_id) DO NOTHING',
      [device.deviceId, device.certificateId ?? null, at],
    );
    return changed === 1;
  }

  upsertDevice(device: { deviceId: string; certificateId: string | undefined }, at: number): Promise<Device> {
    return this.db.transaction(async (tx) => {
      await tx.run(
        'INSERT INTO devices (device_id, certificate_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (device_id) DO NOTHING',
        [device.deviceId, device.certificateId ?? null, at],
      );
      await tx.run('UPDATE devices SET certificate_id = $2 WHERE device_id = $1', [
        device.deviceId,
        device.certificateId ?? null,
      ]);
      const found = await selectDevice(tx, device.deviceId);
      if (found === undefined) throw new Error(`device ${device.deviceId} vanished during upsert`);
      return found;
    });
  }

  findDevice(deviceId: string): Promise<Device | undefined> {
    return selectDevice(this.db, deviceId);
  }

  async listDevices(): Promise<Device[]> {
    const rows = await this.db.query(`SELECT ${DEVICE_COLUMNS} FROM devices ORDER BY device_id`);
    return rows.map(toDevice);
  }

  async listUserDevices(userId: string): Promise<Device[]> {
    const rows = await this.db.query(
      `SELECT d.device_id, d.certificate_id, d.created_at FROM devices d
       JOIN user_devices u ON u.device_id = d.device_id WHERE u.user_id = $1 ORDER BY d.device_id`,
      [userId],
    );
    return rows.map(toDevice);
  }

  async findDeviceOwner(deviceId: string): Promise<DeviceLink | undefined> {
    const [row] = await this.db.query(
      'SELECT user_id, device_id, paired_at FROM user_devices WHERE device_id = $1',
      [deviceId],
    );
    return row && { userId: str(row.user_id), deviceId: str(row.device_id), pairedAt: num(row.paired_at) };
  }

  recordPresence(
    deviceId: string,
    presence: DevicePresence,
    isNewer: (event: DevicePresence, stored: DevicePresence | undefined) => boolean,
  ): Promise<PresenceResult> {
    return recordPresence(this.db, deviceId, presence, isNewer);
  }

  findPresence(deviceIds: readonly string[]): Promise<Map<string, DevicePresence>> {
    return findPresence(this.db, deviceIds);
  }

  linkUserDevice(userId: string, deviceId: string, at: number): Promise<LinkResult> {
    return this.db.transaction(async (tx): Promise<LinkResult> => {
      if ((await tx.query('SELECT 1 AS ok FROM users WHERE id = $1', [userId])).length === 0) {
        return 'no-such-user';
      }
      if ((await selectDevice(tx, deviceId)) === undefined) return 'no-such-device';
      // The primary key on device_id makes "at most one owner" hold even between racing replicas.
      const inserted = await tx.run(
        'INSERT INTO user_devices (device_id, user_id, paired_at) VALUES ($1, $2, $3) ON CONFLICT (device_id) DO NOTHING',
        [deviceId, userId, at],
      );
      if (inserted === 1) return 'linked';
      const [owner] = await tx.query('SELECT user_id FROM user_devices WHERE device_id = $1', [deviceId]);
      return owner && str(owner.user_id) === userId ? 'already-linked' : 'owned-by-other';
    });
  }

  async unlinkUserDevice(userId: string, deviceId: string): Promise<boolean> {
    const changed = await this.db.run('DELETE FROM user_devices WHERE device_id = $1 AND user_id = $2', [
      deviceId,
      userId,
    ]);
    return changed === 1;
  }

  async createPairingChallenge(c: PairingChallenge): Promise<void> {
    await this.db.run(
      'INSERT INTO pairing_challenges (id, user_id, device_id, nonce, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [c.id, c.userId, c.deviceId ?? null, c.nonce, c.expiresAt, c.usedAt ?? null],
    );
  }

  async findPairingChallenge(id: string): Promise<PairingChallenge | undefined> {
    const [row] = await this.db.query(
      'SELECT id, user_id, device_id, nonce, expires_at, used_at FROM pairing_challenges WHERE id = $1',
      [id],
    );
    return row && toChallenge(row);
  }

  async consumePairingChallenge(id: string, at: number): Promise<ConsumeResult> {
    // One conditional UPDATE: of two concurrent callers exactly one changes the row.
    const changed = await this.db.run(
      'UPDATE pairing_challenges SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND expires_at > $2',
      [id, at],
    );
    if (changed === 1) return 'consumed';
    const found = await this.findPairingChallenge(id);
    if (found === undefined) return 'not-found';
    return found.usedAt !== undefined ? 'already-used' : 'expired';
  }

  async countOpenPairingChallenges(userId: string, at: number): Promise<number> {
    const [row] = await this.db.query(
      'SELECT COUNT(*) AS n FROM pairing_challenges WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2',
      [userId, at],
    );
    return num(row?.n);
  }

  purgePairingChallenges(before: number): Promise<number> {
    // Spent or dead either way: an answered challenge is never accepted again, an expired one neither.
    return this.db.run('DELETE FROM pairing_challenges WHERE expires_at < $1 OR used_at < $1', [before]);
  }

  async createUpload(u: Upload): Promise<void> {
    await this.db.run(
      `INSERT INTO uploads (${UPLOAD_COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
      [
        u.uploadId,
        u.deviceId,
        u.userId ?? null,
        u.requestedBy,
        u.bucket,
        u.key,
        u.contentType,
        u.maxSize,
        u.status,
        u.size ?? null,
        u.sha256 ?? null,
        u.url ?? null,
        u.capturedAt ?? null,
        u.createdAt,
        u.expiresAt,
        u.completedAt ?? null,
        u.rejectedReason ?? null,
        u.deletedAt ?? null,
        u.declaredSha256 ?? null,
      ],
    );
  }

  findUpload(uploadId: string): Promise<Upload | undefined> {
    return selectUpload(this.db, uploadId);
  }

  completeUpload(uploadId: string, c: UploadCompletion): Promise<CompleteResult> {
    return this.db.transaction(async (tx): Promise<CompleteResult> => {
      // One conditional UPDATE decides; racing reconcilers (replicas, redelivered messages) cannot both win.
      const changed = await tx.run(
        `UPDATE uploads SET status = 'done', size = $2, sha256 = $3, object_url = $4, captured_at = $5,
           completed_at = $6 WHERE upload_id = $1 AND status = 'pending' AND deleted_at IS NULL`,
        [uploadId, c.size, c.sha256, c.url, c.capturedAt ?? null, c.completedAt],
      );
      if (changed === 1) return 'completed';
      const found = await selectUpload(tx, uploadId);
      if (found === undefined) return 'not-found';
      const same =
        found.status === 'done' &&
        found.deletedAt === undefined &&
        found.size === c.size &&
        found.sha256 === c.sha256;
      if (!same) return 'conflict';
      // The sweeper completed it without a notification; a late one still tells when it was captured.
      if (found.capturedAt === undefined && c.capturedAt !== undefined) {
        await tx.run(
          `UPDATE uploads SET captured_at = $2 WHERE upload_id = $1 AND status = 'done' AND captured_at IS NULL`,
          [uploadId, c.capturedAt],
        );
      }
      return 'duplicate';
    });
  }

  async rejectUpload(uploadId: string, reason: string, at: number): Promise<boolean> {
    const changed = await this.db.run(
      `UPDATE uploads SET status = 'rejected', rejected_reason = $2, completed_at = $3
       WHERE upload_id = $1 AND status = 'pending'`,
      [uploadId, reason, at],
    );
    return changed === 1;
  }

  async listExpiredPendingUploads(options: ExpiredPendingQuery): Promise<Upload[]> {
    const { sql, params } = expiredPendingSelect(options);
    return (await this.db.query(sql, params)).map(toUpload);
  }

  async listDeviceUploads(
    deviceId: string,
    options: {
      limit: number;
      statuses?: readonly UploadStatus[];
      before?: { createdAt: number; uploadId: string };
    },
  ): Promise<UploadPage> {
    const params: SqlValue[] = [deviceId];
    let where = 'device_id = $1 AND deleted_at IS NULL';
    if (options.statuses !== undefined && options.statuses.length > 0) {
      const marks = options.statuses.map((status) => {
        params.push(status);
        return `$${params.length}`;
      });
      where += ` AND status IN (${marks.join(', ')})`;
    }
    if (options.before !== undefined) {
      params.push(options.before.createdAt, options.before.uploadId);
      const [at, id] = [`$${params.length - 1}`, `$${params.length}`];
      where += ` AND (created_at < ${at} OR (created_at = ${at} AND upload_id < ${id}))`;
    }
    params.push(options.limit + 1);
    const rows = await this.db.query(
      `SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE ${where}
       ORDER BY created_at DESC, upload_id DESC LIMIT $${params.length}`,
      params,
    );
    const uploads = rows.slice(0, options.limit).map(toUpload);
    const last = uploads[uploads.length - 1];
    return {
      uploads,
      next:
        rows.length > options.limit && last !== undefined
          ? { createdAt: last.createdAt, uploadId: last.uploadId }
          : undefined,
    };
  }

  async markUploadDeleted(uploadId: string, at: number): Promise<boolean> {
    const changed = await this.db.run(
      'UPDATE uploads SET deleted_at = $2 WHERE upload_id = $1 AND deleted_at IS NULL',
      [uploadId, at],
    );
    return changed === 1;
  }
}

export interface ExpiredPendingQuery {
  readonly expiredBefore: number;
  readonly limit: number;
  readonly after?: { readonly expiresAt: number; readonly uploadId: string } | undefined;
}

/**
 * The sweeper's selection. The terms `status = 'pending' AND deleted_at IS NULL` match the partial
 * index uploads_pending_by_expiry (migration 4), and `after` is written with a plain range on
 * expires_at (not a row value or an OR alone) so that both databases bound the index scan on both ends:
 * a pass reads the rows it returns, however many uploads are done or come before it.
 */
export function expiredPendingSelect(q: ExpiredPendingQuery): { sql: string; params: SqlValue[] } {
  const params: SqlValue[] = [q.expiredBefore];
  let where = `status = 'pending' AND deleted_at IS NULL AND expires_at < $1`;
  if (q.after !== undefined) {
    params.push(q.after.expiresAt, q.after.uploadId);
    where += ' AND expires_at >= $2 AND (expires_at > $2 OR upload_id > $3)';
  }
  params.push(q.limit);
  return {
    sql: `SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE ${where} ORDER BY expires_at, upload_id LIMIT $${params.length}`,
    params,
  };
}

const TOKEN_COLUMNS = 'id, user_id, token_hash, scope, created_at, last_used_at, revoked_at';
const DEVICE_COLUMNS = 'device_id, certificate_id, created_at';

const UPLOAD_COLUMNS =
  'upload_id, device_id, user_id, requested_by, bucket, object_key, content_type, max_size, status, size, ' +
  'sha256, object_url, captured_at, created_at, expires_at, completed_at, rejected_reason, deleted_at, ' +
  'declared_sha256';

async function insertUser(db: SqlExecutor, user: User): Promise<boolean> {
  const changed = await db.run(
    'INSERT INTO users (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING',
    [user.id, user.name, user.createdAt],
  );
  return changed === 1;
}

async function insertToken(db: SqlExecutor, t: ApiToken): Promise<boolean> {
  const changed = await db.run(
    `INSERT INTO api_tokens (${TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
    [t.id, t.userId ?? null, t.tokenHash, t.scope, t.createdAt, t.lastUsedAt ?? null, t.revokedAt ?? null],
  );
  return changed === 1;
}

async function selectUpload(db: SqlExecutor, uploadId: string): Promise<Upload | undefined> {
  const [row] = await db.query(`SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE upload_id = $1`, [uploadId]);
  return row && toUpload(row);
}

async function selectDevice(db: SqlExecutor, deviceId: string): Promise<Device | undefined> {
  const [row] = await db.query(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE device_id = $1`, [deviceId]);
  return row && toDevice(row);
}

export function str(value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`expected a string column, got ${typeof value}`);
  return value;
}

export function optStr(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : str(value);
}

/** pg returns BIGINT as a string; SQLite as a number. Both become a safe integer or an error. */
export function num(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new TypeError('expected an integer column');
  return n;
}

function optNum(value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : num(value);
}

function toUser(row: Row): User {
  return { id: str(row.id), name: str(row.name), createdAt: num(row.created_at) };
}

function toToken(row: Row): ApiToken {
  return {
    id: str(row.id),
    userId: optStr(row.user_id),
    tokenHash: str(row.token_hash),
    scope: str(row.scope) as TokenScope,
    createdAt: num(row.created_at),
    lastUsedAt: optNum(row.last_used_at),
    revokedAt: optNum(row.revoked_at),
  };
}

function toDevice(row: Row): Device {
  return {
    deviceId: str(row.device_id),
    certificateId: optStr(row.certificate_id),
    createdAt: num(row.created_at),
  };
}

function toChallenge(row: Row): PairingChallenge {
  return {
    id: str(row.id),
    userId: str(row.user_id),
    deviceId: optStr(row.device_id),
    nonce: str(row.nonce),
    expiresAt: num(row.expires_at),
    usedAt: optNum(row.used_at),
  };
}

function toUpload(row: Row): Upload {
  return {
    uploadId: str(row.upload_id),
    deviceId: str(row.device_id),
    userId: optStr(row.user_id),
    requestedBy: str(row.requested_by) as UploadRequester,
    bucket: str(row.bucket),
    key: str(row.object_key),
    contentType: str(row.content_type),
    maxSize: num(row.max_size),
    declaredSha256: optStr(row.declared_sha256),
    status: str(row.status) as UploadStatus,
    size: optNum(row.size),
    sha256: optStr(row.sha256),
    url: optStr(row.object_url),
    capturedAt: optNum(row.captured_at),
    createdAt: num(row.created_at),
    expiresAt: num(row.expires_at),
    completedAt: optNum(row.completed_at),
    rejectedReason: optStr(row.rejected_reason),
    deletedAt: optNum(row.deleted_at),
  };
}
