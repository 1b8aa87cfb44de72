/**
 * Where SigV4 and COS verifiers look up secrets. The in-memory store is fed from configuration
 * (long-lived access keys) and accepts temporary credentials at runtime (session token + expiry), the
 * shape the IoT credentials provider issues (AWS STS "Credentials": AccessKeyId, SecretAccessKey,
 * SessionToken, Expiration).
 */

export interface CredentialRecord {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Temporary credentials: requests must carry it (X-Amz-Security-Token / x-cos-security-token). */
  readonly sessionToken?: string;
  readonly expiresAt?: Date;
  /** Optional restriction, e.g. a bucket or a role alias; verifiers pass it through to the caller. */
  readonly scope?: string;
  /**
   * Credentials of an assumed role (the IoT credentials provider issues them): a request may do only
   * what the role's permission policy allows, with these policy variables (e.g.
   * `credentials-iot:ThingName`). Absent for the platform's own long-lived keys.
   */
  readonly session?: {
    readonly roleArn: string;
    readonly variables: Readonly<Record<string, string>>;
  };
}

export interface CredentialStore {
  lookup(accessKeyId: string): CredentialRecord | undefined;
}

export class InMemoryCredentialStore implements CredentialStore {
  readonly #records = new Map<string, CredentialRecord>();

  constructor(records: Iterable<CredentialRecord> = []) {
    for (const record of records) this.add(record);
  }

  add(record: CredentialRecord): void {
    this.#records.set(record.accessKeyId, Object.freeze({ ...record }));
  }

  remove(accessKeyId: string): boolean {
    return this.#records.delete(accessKeyId);
  }

  lookup(accessKeyId: string): CredentialRecord | undefined {
    return this.#records.get(accessKeyId);
  }

  get size(): number {
    return this.#records.size;
  }

  /** Drops temporary credentials that expired before `now`; returns how many. */
  prune(now: Date): number {
    let removed = 0;
    for (const [id, record] of this.#records) {
      if (record.expiresAt !== undefined && record.expiresAt.getTime() <= now.getTime()) {
        this.#records.delete(id);
        removed += 1;
      }
    }
    return removed;
  }
}

/** Looks a key up in each store in turn (e.g. the object store's own keys, then the platform's). */
export function chainCredentialStores(...stores: readonly CredentialStore[]): CredentialStore {
  return {
    lookup(accessKeyId) {
      for (const store of stores) {
        const found = store.lookup(accessKeyId);
        if (found !== undefined) return found;
      }
      return undefined;
    },
  };
}
