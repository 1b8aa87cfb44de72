/**
 * GET /v1/events: the caller's backend events as server-sent events (WHATWG HTML "Server-sent events",
 * §9.2): `id:`, `event:` and `data:` (one line of JSON) per event, a `: heartbeat` comment every
 * events.heartbeatSeconds so idle proxies keep the stream open, and Last-Event-ID replay from the hub's
 * buffer. A user gets their own events; the operator gets everyone's.
 *
 * The reply is hijacked after auth (the /v1 onRequest hook) and the stream limit, so errors before
 * that are ordinary JSON errors. Streams end on client disconnect, when the client reads too slowly,
 * and in preClose when the app closes (otherwise server.close() would wait for them forever).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CamlinkError } from '../../../errors/camlink-error.js';
import type { BackendEvent, EventAudience } from '../../events/hub.js';
import { bearerSecurity, principalOf } from '../auth.js';
import type { BackendDeps } from '../deps.js';
import { zodSchema } from '../validation.js';

/** A client this far behind is dropped; it reconnects with Last-Event-ID and replays. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** The reconnection delay we ask EventSource clients for (the SSE `retry:` field), in ms. */
const RECONNECT_MS = 3_000;

const eventHeaders = z.looseObject({
  /** The id of the last event the client received (sent by EventSource on reconnect). */
  'last-event-id': z.string().max(64).optional(),
});

export function eventRoutes(app: FastifyInstance, deps: BackendDeps): void {
  const { heartbeatSeconds, maxStreamsPerUser } = deps.config.backend.events;
  const openPerCaller = new Map<string, number>();
  const openStreams = new Set<() => void>();

  app.addHook('preClose', (done) => {
    for (const end of [...openStreams]) end();
    done();
  });

  app.get(
    '/events',
    {
      schema: {
        summary: "Server-sent events: the caller's backend events (the operator: everyone's).",
        description:
          'text/event-stream. Each event has id:, event: (e.g. upload.completed) and data: (JSON ' +
          '{id,type,at,data}). Send Last-Event-ID to replay buffered newer events. Comments ' +
          `(": heartbeat") keep idle streams open. At most backend.events.maxStreamsPerUser streams ` +
          'per user (TOO_MANY_STREAMS).',
        tags: ['events'],
        security: bearerSecurity,
        headers: zodSchema(eventHeaders),
      },
    },
    (request, reply) => {
      const principal = principalOf(request);
      const audience: EventAudience = principal.kind === 'user' ? { userId: principal.userId } : 'all';
      const caller = principal.kind === 'user' ? `user:${principal.userId}` : 'operator';
      const open = openPerCaller.get(caller) ?? 0;
      if (open >= maxStreamsPerUser) {
        throw new CamlinkError(
          'TOO_MANY_STREAMS',
          `at most ${maxStreamsPerUser} event streams may be open at once; close one first`,
        );
      }
      openPerCaller.set(caller, open + 1);
      const { 'last-event-id': lastEventId } = request.headers as z.infer<typeof eventHeaders>;

      reply.hijack();
      const res = reply.raw;
      let ended = false;
      // A long replay may be buffered at once; only falling further behind than that is too slow.
      let allowance = Infinity;
      const write = (frame: string) => {
        if (ended) return;
        res.write(frame);
        if (res.writableLength > allowance) {
          request.log.info({ caller }, 'event stream dropped: the client reads too slowly');
          end();
        }
      };
      const send = (event: BackendEvent) =>
        write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      const subscription = deps.events.subscribe(audience, send, lastEventId);
      const heartbeat = setInterval(() => write(': heartbeat\n\n'), heartbeatSeconds * 1000);
      heartbeat.unref();
      function end(): void {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        subscription.unsubscribe();
        openStreams.delete(end);
        const left = (openPerCaller.get(caller) ?? 1) - 1;
        if (left > 0) openPerCaller.set(caller, left);
        else openPerCaller.delete(caller);
        if (!res.writableEnded) res.end();
      }
      openStreams.add(end);
      res.on('close', end);
      res.on('error', end);

      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // nginx and similar proxies: do not buffer the stream.
        'x-accel-buffering': 'no',
      });
      write(`retry: ${RECONNECT_MS}\n\n`);
      for (const event of subscription.replay) send(event);
      allowance = MAX_BUFFERED_BYTES + res.writableLength;
    },
  );
}
