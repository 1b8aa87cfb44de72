/**
 * AWS IoT's per-client-id connect rate: a token bucket (util/token-bucket.ts) per client id. Time comes
 * from an injected clock, so tests drive refills without waiting.
 */
import type { Clock } from '../util/clock.js';
import { TokenBucket } from '../util/token-bucket.js';

/** One bucket per key (client id), forgotten once idle long enough to be full again. */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, { bucket: TokenBucket; seen: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly clock: Clock,
    private readonly maxKeys = 100_000,
  ) {}

  take(key: string): boolean {
    const now = this.clock.now().getTime();
    let entry = this.buckets.get(key);
    if (entry === undefined) {
      if (this.buckets.size >= this.maxKeys) this.sweep(now);
      entry = { bucket: new TokenBucket(this.perSecond, this.clock), seen: now };
      this.buckets.set(key, entry);
    }
    entry.seen = now;
    return entry.bucket.take();
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.buckets) if (now - entry.seen > 1000) this.buckets.delete(key);
  }
}
