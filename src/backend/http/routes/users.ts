/**
 * Users and their tokens. POST /v1/users (operator) creates a user and returns its first token, once;
 * POST /v1/users/{id}/tokens (operator, or the user itself) issues another; GET /v1/me says who the
 * token belongs to. A user asking about another user gets NOT_FOUND, as for an unknown id.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CamlinkError } from '../../../errors/camlink-error.js';
import { systemRandom } from '../../../util/clock.js';
import { requireOperator } from '../../auth/principal.js';
import { generateToken, hashToken, newId } from '../../auth/tokens.js';
import type { ApiToken } from '../../store/types.js';
import { bearerSecurity, principalOf } from '../auth.js';
import type { BackendDeps } from '../deps.js';
import { zodSchema } from '../validation.js';
import { userView } from '../views.js';

const createUserBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
});
const userParams = z.strictObject({ id: z.string().min(1).max(64) });
const createTokenBody = z.strictObject({});

export function userRoutes(app: FastifyInstance, deps: BackendDeps): void {
  const random = deps.random ?? systemRandom;
  const newToken = (userId: string): { row: ApiToken; token: string } => {
    const token = generateToken(random);
    return {
      token,
      row: {
        id: newId('tok', random),
        userId,
        scope: 'user',
        tokenHash: hashToken(token),
        createdAt: deps.clock.now().getTime(),
        lastUsedAt: undefined,
        revokedAt: undefined,
      },
    };
  };

  app.post(
    '/users',
    {
      schema: {
        summary: 'Create a user (operator); the response holds its first token, shown only once.',
        tags: ['users'],
        security: bearerSecurity,
        body: zodSchema(createUserBody),
      },
    },
    async (request, reply) => {
      requireOperator(principalOf(request));
      const { name } = request.body as z.infer<typeof createUserBody>;
      const user = { id: newId('usr', random), name, createdAt: deps.clock.now().getTime() };
      const issued = newToken(user.id);
      if (!(await deps.store.createUserWithToken(user, issued.row))) {
        throw new CamlinkError('CONFLICT', 'a user with this id exists; retry');
      }
      return reply
        .code(201)
        .send({ user: userView(user), token: { id: issued.row.id, token: issued.token } });
    },
  );

  app.post(
    '/users/:id/tokens',
    {
      schema: {
        summary: 'Issue another token for a user (operator, or the user itself); shown only once.',
        tags: ['users'],
        security: bearerSecurity,
        params: zodSchema(userParams),
        body: zodSchema(createTokenBody),
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id } = request.params as z.infer<typeof userParams>;
      const visible = principal.kind === 'operator' || principal.userId === id;
      const user = visible ? await deps.store.findUser(id) : undefined;
      if (user === undefined) throw new CamlinkError('NOT_FOUND', 'no such user');
      const issued = newToken(user.id);
      if (!(await deps.store.createToken(issued.row))) {
        throw new CamlinkError('CONFLICT', 'token id collision; retry');
      }
      return reply.code(201).send({ token: { id: issued.row.id, token: issued.token, userId: user.id } });
    },
  );

  app.get(
    '/me',
    { schema: { summary: 'Who this token belongs to.', tags: ['users'], security: bearerSecurity } },
    async (request) => {
      const principal = principalOf(request);
      if (principal.kind === 'operator') return { kind: 'operator', tokenId: principal.tokenId };
      const user = await deps.store.findUser(principal.userId);
      if (user === undefined) throw new CamlinkError('AUTH_INVALID', 'the token belongs to no user');
      return { kind: 'user', tokenId: principal.tokenId, user: userView(user) };
    },
  );
}
