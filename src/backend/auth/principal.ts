/**
 * Who is calling: resolves a bearer token to the operator or a user. Every failure is a CamlinkError
 * (AUTH_REQUIRED: no header; AUTH_INVALID: malformed, unknown or revoked) and never echoes the token.
 */
import { CamlinkError } from '../../errors/camlink-error.js';
import type { Clock } from '../../util/clock.js';
import type { BackendStore } from '../store/types.js';
import { bearerToken, hashesEqual, hashToken, isWellFormedToken } from './tokens.js';

export type Principal =
  | { readonly kind: 'operator'; readonly tokenId: string }
  | { readonly kind: 'user'; readonly tokenId: string; readonly userId: string };

/** last_used_at is written at most this often per token, so reads do not become writes. */
export const TOUCH_INTERVAL_MS = 60_000;

export async function authenticate(
  header: string | undefined,
  store: BackendStore,
  clock: Clock,
): Promise<Principal> {
  const token = bearerToken(header);
  if (token === undefined) {
    throw new CamlinkError('AUTH_REQUIRED', 'this endpoint needs an Authorization: Bearer <token> header');
  }
  if (token === null || !isWellFormedToken(token)) {
    throw new CamlinkError('AUTH_INVALID', 'the Authorization header does not carry a camlink token');
  }
  const hash = hashToken(token);
  const found = await store.findTokenByHash(hash);
  if (found === undefined || !hashesEqual(found.tokenHash, hash) || found.revokedAt !== undefined) {
    throw new CamlinkError('AUTH_INVALID', 'the bearer token is unknown or revoked');
  }
  const now = clock.now().getTime();
  if (found.lastUsedAt === undefined || now - found.lastUsedAt >= TOUCH_INTERVAL_MS) {
    await store.touchToken(found.id, now);
  }
  if (found.scope === 'operator') return { kind: 'operator', tokenId: found.id };
  if (found.userId === undefined) throw new CamlinkError('INTERNAL', 'user token without a user');
  return { kind: 'user', tokenId: found.id, userId: found.userId };
}

export function requireOperator(principal: Principal): void {
  if (principal.kind !== 'operator') {
    throw new CamlinkError('FORBIDDEN', 'this operation needs the operator token');
  }
}
