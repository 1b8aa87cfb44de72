/**
 * The upload-URL requests the responder saw lately, by device and clientToken, with their answers: a
 * camera republishes a request it has no answer for (same clientToken), and the responder answers the
 * repeat with the same answer instead of issuing a second upload. In memory, bounded: entries live
 * `ttlMs` (less than a PUT URL's lifetime, so a replayed answer is still usable), at most `maxPerDevice`
 * per device and `maxEntries` in all (the oldest go first). A restart forgets them: a repeat after it is
 * a new request (and leaves the first upload `pending`, as a lost answer does; docs/reliability.md).
 */
import type { UploadUrlAccepted, UploadUrlRejected } from '../../contracts/upload-url.js';

export type UploadUrlOutcome = UploadUrlAccepted | UploadUrlRejected;

export interface RecentRequest {
  /** The request as it arrived, to tell a repeat from another request with the same token. */
  readonly payload: string;
  /** The answer, once decided (undefined while the first one is being handled). */
  outcome: UploadUrlOutcome | undefined;
  readonly expiresAt: number;
}

export interface RecentRequestsOptions {
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly maxPerDevice: number;
  readonly now: () => number;
}

export const DEFAULT_RECENT_REQUESTS = { ttlMs: 60_000, maxEntries: 10_000, maxPerDevice: 16 } as const;

export class RecentRequests {
  /** Insertion order is age order (one TTL for all), so expired entries are at the front. */
  private readonly entries = new Map<string, RecentRequest & { readonly deviceId: string }>();
  private readonly perDevice = new Map<string, string[]>();

  constructor(private readonly options: RecentRequestsOptions) {}

  get size(): number {
    return this.entries.size;
  }

  get(deviceId: string, clientToken: string): RecentRequest | undefined {
    this.prune();
    return this.entries.get(keyOf(deviceId, clientToken));
  }

  /** Remembers a new request (its outcome is set on the returned entry once decided). */
  add(deviceId: string, clientToken: string, payload: string): RecentRequest {
    this.prune();
    const key = keyOf(deviceId, clientToken);
    this.remove(key);
    for (;;) {
      const oldest = this.perDevice.get(deviceId) ?? [];
      if (oldest.length < this.options.maxPerDevice || oldest[0] === undefined) break;
      this.remove(oldest[0]);
    }
    for (;;) {
      const oldest = this.entries.keys().next().value;
      if (this.entries.size < this.options.maxEntries || oldest === undefined) break;
      this.remove(oldest);
    }
    const entry = {
      deviceId,
      payload,
      outcome: undefined,
      expiresAt: this.options.now() + this.options.ttlMs,
    };
    this.entries.set(key, entry);
    this.perDevice.set(deviceId, [...(this.perDevice.get(deviceId) ?? []), key]);
    return entry;
  }

  private prune(): void {
    const now = this.options.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) break;
      this.remove(key);
    }
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    const keys = (this.perDevice.get(entry.deviceId) ?? []).filter((k) => k !== key);
    if (keys.length === 0) this.perDevice.delete(entry.deviceId);
    else this.perDevice.set(entry.deviceId, keys);
  }
}

function keyOf(deviceId: string, clientToken: string): string {
  // A device id never contains a '/', a client token neither (src/contracts/).
  return `${deviceId}/${clientToken}`;
}
