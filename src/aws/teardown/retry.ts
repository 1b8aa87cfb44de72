/**
 * Bounded retries for AWS's eventual consistency: DetachThingPrincipal "might take several seconds to
 * propagate" (API reference), so a DeleteCertificate right after it can meet DeleteConflictException.
 * Only the named errors are retried, with doubling delays; the delay function is injected (tests pass
 * one that does not sleep).
 */
import { hasErrorName } from '../service-error.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** The wait before the first retry; doubled for each further one. */
  readonly firstDelayMs: number;
  readonly delay: (ms: number) => Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** 6 attempts over ~31 s (1+2+4+8+16 s of waiting). */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, firstDelayMs: 1000, delay: sleep };

export async function withRetries<T>(
  policy: RetryPolicy,
  retryOn: readonly string[],
  call: () => Promise<T>,
  onRetry: (attempt: number, err: unknown) => void = () => {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= policy.attempts || !hasErrorName(err, ...retryOn)) throw err;
      onRetry(attempt, err);
      await policy.delay(policy.firstDelayMs * 2 ** (attempt - 1));
    }
  }
}
