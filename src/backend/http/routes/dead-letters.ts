/**
 * GET /v1/dead-letters (operator): the upload queue's dead-letter count (uploads/dead-letters.ts), read
 * afresh when the queue answers within FRESH_CHECK_MS (else the last count, with when it was read), and
 * the command that moves the messages back. The dashboard shows it.
 */
import type { FastifyInstance } from 'fastify';
import { requireOperator } from '../../auth/principal.js';
import { REDRIVE_COMMAND, type DeadLetterSnapshot } from '../../uploads/dead-letters.js';
import { bearerSecurity, principalOf } from '../auth.js';
import type { BackendDeps } from '../deps.js';

/** How long a request waits for a fresh count before it answers with the last one. */
const FRESH_CHECK_MS = 3_000;

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
    async (request) => {
      requireOperator(principalOf(request));
      const watcher = deps.deadLetters;
      if (watcher === undefined) return { deadLetters: null };
      let timer: NodeJS.Timeout | undefined;
      const snapshot = await Promise.race([
        watcher.check(),
        new Promise<DeadLetterSnapshot>((resolve) => {
          timer = setTimeout(() => resolve(watcher.snapshot()), FRESH_CHECK_MS);
        }),
      ]).finally(() => clearTimeout(timer));
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
