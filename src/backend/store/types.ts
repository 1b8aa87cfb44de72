/**
 * The backend's persistent state behind one interface, so the HTTP layer never knows which database
 * it runs on. Times are epoch milliseconds; ids are opaque strings chosen by the caller.
 */
export type TokenScope = 'user' | 'operator';
export type UploadStatus = 'pending' | 'done' | 'rejected';

export const storeTables = [
  'users',
  'api_tokens',
  'devices',
  'user_devices',
  'pairing_challenges',
  'uploads',
] as const;
export type StoreTable = (typeof storeTables)[number];

export interface User {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
}

export interface ApiToken {
  readonly id: string;
  /** undefined for operator tokens, which belong to no user. */
  readonly userId: string | undefined;
  readonly scope: TokenScope;
  /** Hex SHA-256 of the token; the token itself is never stored. */
  readonly tokenHash: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | undefined;
  readonly revokedAt: number | undefined;
}

export interface Device {
  readonly deviceId: string;
  readonly certificateId: string | undefined;
  readonly createdAt: number;
}

/** A device's last known MQTT presence (see presence/order.ts for how events are ordered). */
export interface DevicePresence {
  readonly state: 'online' | 'offline';
  /** The lifecycle event's versionNumber and timestamp (epoch ms). */
  readonly version: number;
  readonly at: number;
}

/** Result of recording a lifecycle event: 'stale' when the stored presence is newer. */
export type PresenceResult = 'recorded' | 'stale' | 'no-such-device';

export interface DeviceLink {
  readonly userId: string;
  readonly deviceId: string;
  readonly pairedAt: number;
}

export interface PairingChallenge {
  readonly id: string;
  readonly userId: string;
  readonly deviceId: string | undefined;
  readonly nonce: string;
  readonly expiresAt: number;
  readonly usedAt: number | undefined;
}

export type UploadRequester = 'app' | 'device';

export interface Upload {
  readonly uploadId: string;
  readonly deviceId: string;
  /** The device's owner when the upload was issued (undefined: an unpaired device asked over MQTT). */
  readonly userId: string | undefined;
  readonly requestedBy: UploadRequester;
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  /** Largest object the upload may store (the declared size, or the configured limit). */
  readonly maxSize: number;
  /** Lower-case hex SHA-256 the uploader declared when asking for the URL; the object must match it. */
  readonly declaredSha256: string | undefined;
  readonly status: UploadStatus;
  /** Set when done: the verified object's size and lower-case hex SHA-256. */
  readonly size: number | undefined;
  readonly sha256: string | undefined;
  /** Set when done: the object's URL without a signature, as the camera announced it. */
  readonly url: string | undefined;
  readonly capturedAt: number | undefined;
  readonly createdAt: number;
  /** When the pre-signed PUT stops working. */
  readonly expiresAt: number;
  readonly completedAt: number | undefined;
  readonly rejectedReason: string | undefined;
  readonly deletedAt: number | undefined;
}

/** What reconciliation records of a verified object. */
export interface UploadCompletion {
  readonly size: number;
  readonly sha256: string;
  readonly url: string;
  /** From the camera's notification; undefined when the sweeper completed the upload without one. */
  readonly capturedAt: number | undefined;
  readonly completedAt: number;
}

/**
 * Result of completing an upload: 'completed' the first time; 'duplicate' when it is done already with
 * the same object (a replayed notification: nothing changes, except that a capture time the row lacks
 * — the sweeper completed it — is filled in); 'conflict' when it is done, rejected or deleted
 * otherwise; 'not-found' for an unknown id.
 */
export type CompleteResult = 'completed' | 'duplicate' | 'conflict' | 'not-found';

export interface UploadPage {
  readonly uploads: Upload[];
  /** Pass as `before` for the next (older) page; undefined on the last page. */
  readonly next: { createdAt: number; uploadId: string } | undefined;
}

/** Result of binding a device to a user: a device belongs to at most one user. */
export type LinkResult = 'linked' | 'already-linked' | 'owned-by-other' | 'no-such-device' | 'no-such-user';

/** Result of spending a one-time pairing challenge. */
export type ConsumeResult = 'consumed' | 'not-found' | 'expired' | 'already-used';

export interface BackendStore {
  readonly dialect: 'sqlite' | 'postgres';
  /** Cheap round trip for /healthz; throws when the database is unreachable. */
  ping(): Promise<void>;
  /**
   * A cheap real write (one small row of `prober`'s, changed every time, committed): throws when the
   * database takes no writes (unreachable, disk full, read-only) although it may still answer reads.
   */
  probeWrite(prober: string, at: number): Promise<void>;
  /**
   * The database's own consistency check, run at start (SQLite: quick_check, or integrity_check for
   * `full`; PostgreSQL: a round trip). The problems it lists; [] when the database is intact.
   */
  checkIntegrity(mode: 'quick' | 'full'): Promise<string[]>;
  close(): Promise<void>;
  /** Rows per table: tests prove a refused request changed nothing; operators get a quick census. */
  countRows(): Promise<Record<StoreTable, number>>;

  /** Inserts a user; false when the id exists. */
  createUser(user: User): Promise<boolean>;
  findUser(id: string): Promise<User | undefined>;
  /** A user and their first token in one transaction: both or neither. */
  createUserWithToken(user: User, token: ApiToken): Promise<boolean>;

  /** Inserts a token; false when its id or hash exists. */
  createToken(token: ApiToken): Promise<boolean>;
  findTokenByHash(tokenHash: string): Promise<ApiToken | undefined>;
  touchToken(id: string, at: number): Promise<void>;
  /** Sets revoked_at once; false when unknown or already revoked. */
  revokeToken(id: string, at: number): Promise<boolean>;

  /** Inserts a device; false when the id exists (the stored row is unchanged). */
  createDevice(device: { deviceId: string; certificateId: string | undefined }, at: number): Promise<boolean>;
  /** Inserts a device, or updates its certificate id; returns the stored row. */
  upsertDevice(device: { deviceId: string; certificateId: string | undefined }, at: number): Promise<Device>;
  findDevice(deviceId: string): Promise<Device | undefined>;
  listDevices(): Promise<Device[]>;
  listUserDevices(userId: string): Promise<Device[]>;
  findDeviceOwner(deviceId: string): Promise<DeviceLink | undefined>;
  /**
   * Records a lifecycle event when it is newer than the stored presence (`isNewer` decides); racing
   * writers are serialized by compare-and-set, so an older event never overwrites a newer one.
   */
  recordPresence(
    deviceId: string,
    presence: DevicePresence,
    isNewer: (event: DevicePresence, stored: DevicePresence | undefined) => boolean,
  ): Promise<PresenceResult>;
  /** The stored presence of these devices (devices never seen online are absent). */
  findPresence(deviceIds: readonly string[]): Promise<Map<string, DevicePresence>>;
  linkUserDevice(userId: string, deviceId: string, at: number): Promise<LinkResult>;
  /** Removes the link if it is this user's; false otherwise. */
  unlinkUserDevice(userId: string, deviceId: string): Promise<boolean>;

  createPairingChallenge(challenge: PairingChallenge): Promise<void>;
  findPairingChallenge(id: string): Promise<PairingChallenge | undefined>;
  /** Marks a live, unused challenge used (atomically: exactly one caller wins). */
  consumePairingChallenge(id: string, at: number): Promise<ConsumeResult>;
  /** How many of the user's challenges are unused and unexpired at `at` (the open-challenge limit). */
  countOpenPairingChallenges(userId: string, at: number): Promise<number>;
  /** Deletes challenges that expired or were spent before `before`; returns how many. */
  purgePairingChallenges(before: number): Promise<number>;

  createUpload(upload: Upload): Promise<void>;
  findUpload(uploadId: string): Promise<Upload | undefined>;
  /** Marks a pending upload done (atomically; idempotent for the same object, see CompleteResult). */
  completeUpload(uploadId: string, completion: UploadCompletion): Promise<CompleteResult>;
  /** Marks a pending upload rejected with a reason; false when it is not pending. */
  rejectUpload(uploadId: string, reason: string, at: number): Promise<boolean>;
  /**
   * The sweeper's work: pending, undeleted uploads whose PUT URL expired before `expiredBefore`, by
   * (expiresAt, uploadId) ascending (oldest first), after `after` when given; at most `limit`.
   */
  listExpiredPendingUploads(options: {
    expiredBefore: number;
    limit: number;
    after?: { expiresAt: number; uploadId: string };
  }): Promise<Upload[]>;
  /**
   * A device's uploads, newest first, without deleted ones; `statuses` narrows (default: all). Pages
   * are keyed by (createdAt, uploadId) so concurrent inserts neither repeat nor skip rows.
   */
  listDeviceUploads(
    deviceId: string,
    options: {
      limit: number;
      statuses?: readonly UploadStatus[];
      before?: { createdAt: number; uploadId: string };
    },
  ): Promise<UploadPage>;
  /** Sets deleted_at once; false when unknown or already deleted. */
  markUploadDeleted(uploadId: string, at: number): Promise<boolean>;
}
