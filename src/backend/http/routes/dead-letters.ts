/**
 * GET /v1/dead-letters (operator): the upload queue's dead-letter count as the backend last read it
 * (uploads/dead-letters.ts), and the command that moves the messages back. The dashboard shows it.
 */
import type { FastifyInstance } from 'fastify';
import { requireOperator } from '../../auth/principal.js';
import { REDRIVE_COMMAND } from '../../uploads/dead-letters.js';
import { bearerSecurity, principalOf } from '../auth.js';
import type { BackendDeps } from '../deps.js';

export function deadLetterRoutes(app: FastifyInstance, deps: BackendDeps): void {
  app.get(
    '/dead-letters',
    {
      schema: {
        summary:
          "The upload queue's dead-letter count (operator): notifications nothing retries until redriven.",
        tags: ['ops'],
        security: bearerSecurity,
      },
    },
    (request) => {
      requireOperator(principalOf(request));
      const snapshot = deps.deadLetters?.snapshot();
      if (snapshot === undefined) return { deadLetters: null };
      return {
        deadLetters: {
          queue: snapshot.queue ?? null,
          count: snapshot.count ?? null,
          checkedAt: snapshot.checkedAt ?? null,
          error: snapshot.error ?? null,
          redrive: REDRIVE_COMMAND,
        },
      };
    },
  );
}
