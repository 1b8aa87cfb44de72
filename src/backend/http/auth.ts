/**
 * Bearer authentication for a route scope: an onRequest hook (before the body is read, so an
 * unauthenticated client cannot make the server parse anything) resolves the token to a Principal.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CamlinkError } from '../../errors/camlink-error.js';
import type { Clock } from '../../util/clock.js';
import { authenticate, type Principal } from '../auth/principal.js';
import type { BackendStore } from '../store/types.js';

const principals = new WeakMap<FastifyRequest, Principal>();

export function requireAuth(scope: FastifyInstance, store: BackendStore, clock: Clock): void {
  scope.addHook('onRequest', async (request) => {
    principals.set(request, await authenticate(request.headers.authorization, store, clock));
  });
}

export function principalOf(request: FastifyRequest): Principal {
  const principal = principals.get(request);
  if (principal === undefined) throw new CamlinkError('INTERNAL', 'route is outside the authenticated scope');
  return principal;
}

export const bearerSecurity = [{ bearer: [] }];
