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

export interface Upload {
  readonly uploadId: string;
  readonly deviceId: string;
  readonly userId: string | undefined;
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  readonly maxSize: number;
  readonly status: UploadStatus;
  readonly size: number | undefined;
  readonly sha256: string | undefined;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly completedAt: number | undefined;
}

/** Result of binding a device to a user: a device belongs to at most one user. */
export type LinkResult = 'linked' | 'already-linked' | 'owned-by-other' | 'no-such-device' | 'no-such-user';

/** Result of spending a one-time pairing challenge. */
export type ConsumeResult = 'consumed' | 'not-found' | 'expired' | 'already-used';

export interface BackendStore {
  readonly dialect: 'sqlite' | 'postgres';
  /** Cheap round trip for /healthz; throws when the database is unreachable. */
  ping(): Promise<void>;
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
  linkUserDevice(userId: string, deviceId: string, at: number): Promise<LinkResult>;
  /** Removes the link if it is this user's; false otherwise. */
  unlinkUserDevice(userId: string, deviceId: string): Promise<boolean>;

  createPairingChallenge(challenge: PairingChallenge): Promise<void>;
  findPairingChallenge(id: string): Promise<PairingChallenge | undefined>;
  /** Marks a live, unused challenge used (atomically: exactly one caller wins). */
  consumePairingChallenge(id: string, at: number): Promise<ConsumeResult>;

  createUpload(upload: Upload): Promise<void>;
  findUpload(uploadId: string): Promise<Upload | undefined>;
}
