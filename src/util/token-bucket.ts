/**
 * A token bucket: `perSecond` tokens refilled continuously, at most one second's worth held. Time comes
 * from an injected clock, so tests drive refills without waiting. Used for AWS IoT's per-connection
 * publish rate (the endpoint refuses past it) and by the backend's MQTT pool (which waits instead).
 */
import type { Clock } from './clock.js';

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly clock: Clock,
  ) {
    this.tokens = perSecond;
    this.last = clock.now().getTime();
  }

  /** Tokens there now (fractional; negative while in debt). */
  available(): number {
    const now = this.clock.now().getTime();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    return this.tokens;
  }

  /** Takes a token if there is a whole one. */
  take(): boolean {
    if (this.available() < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Takes a token whether or not there is one (what happened anyway, e.g. a message received). */
  spend(): void {
    this.tokens = Math.max(this.available() - 1, -this.perSecond);
  }

  /** Milliseconds until a whole token is there. */
  msUntilToken(): number {
    return Math.max(0, ((1 - this.available()) * 1000) / this.perSecond);
  }
}
