/**
 * A pre-signed URL signed with temporary credentials stops working when they expire, whatever expiry
 * it was asked for (S3 User Guide, "Using presigned URLs": a URL made with temporary credentials
 * expires when the credentials do). So before signing: resolve the credentials; if they expire before
 * now + the asked lifetime (+ margin), ask the source for fresh ones once (forceRefresh); if they still
 * expire sooner, shorten the URL to end MARGIN seconds before them; with less than MIN_REMAINING
 * seconds left, refuse rather than hand out a URL that dies on the wire. A source that only has
 * short-lived keys is asked to refresh at most once per FORCE_REFRESH_INTERVAL_SECONDS (unless its keys
 * are about to be refused), so a busy presigner does not call IMDS / STS / a credential process per URL.
 */
import { CamlinkError } from '../errors/camlink-error.js';

/** Seconds a URL ends before its credentials (clock differences between signer and store). */
export const CREDENTIAL_MARGIN_SECONDS = 10;
/** The shortest useful URL lifetime (seconds) when credentials cut it short. */
export const MIN_REMAINING_SECONDS = 30;
/** Forced refreshes of a source at most this often (seconds, by the signer's clock). */
export const FORCE_REFRESH_INTERVAL_SECONDS = 30;

export interface Expiring {
  readonly expiration?: Date | undefined;
}

/** Resolves credentials; `forceRefresh` asks the source for new ones instead of its cached copy. */
export type RefreshableSource<T extends Expiring> = (options?: { forceRefresh?: boolean }) => Promise<T>;

export interface SigningWindow<T> {
  credentials: T;
  /** The URL's lifetime: the asked one, or shorter so that it ends before the credentials. */
  expiresInSeconds: number;
}

/** Seconds from `nowMs` until MARGIN before the credentials expire (Infinity without expiration). */
function usableSeconds(credentials: Expiring, nowMs: number): number {
  if (credentials.expiration === undefined) return Number.POSITIVE_INFINITY;
  return Math.floor((credentials.expiration.getTime() - nowMs) / 1000) - CREDENTIAL_MARGIN_SECONDS;
}

export type SigningWindowFn<T> = (now: Date, wantedSeconds: number) => Promise<SigningWindow<T>>;

/**
 * For each URL: credentials that cover `wantedSeconds` from `now` (the whole second the URL is signed
 * at), or the longest lifetime they allow.
 */
export function signingWindows<T extends Expiring>(source: RefreshableSource<T>): SigningWindowFn<T> {
  let lastForced = Number.NEGATIVE_INFINITY;
  return async (now, wantedSeconds) => {
    const nowMs = Math.floor(now.getTime() / 1000) * 1000;
    let credentials = await source();
    const usable = usableSeconds(credentials, nowMs);
    if (
      usable < wantedSeconds &&
      (usable < MIN_REMAINING_SECONDS || nowMs - lastForced >= FORCE_REFRESH_INTERVAL_SECONDS * 1000)
    ) {
      lastForced = nowMs;
      credentials = await source({ forceRefresh: true });
    }
    const left = usableSeconds(credentials, nowMs);
    if (left >= wantedSeconds) return { credentials, expiresInSeconds: wantedSeconds };
    if (left < MIN_REMAINING_SECONDS) {
      throw new CamlinkError(
        'PRESIGN_CREDENTIALS_EXPIRING',
        `the signing credentials expire at ${credentials.expiration?.toISOString() ?? '?'}, less than ` +
          `${MIN_REMAINING_SECONDS + CREDENTIAL_MARGIN_SECONDS} s from now even after a refresh: ` +
          'check the credential source (role session, credential_process, backend.cos.credentialProcess)',
      );
    }
    return { credentials, expiresInSeconds: left };
  };
}
