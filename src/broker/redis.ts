/**
 * Multi-node option: several broker processes share one Redis for message routing (mqemitter-redis)
 * and session state (aedes-persistence-redis, its async API as aedes 1.x requires). The database number
 * in the URL (redis://host:6379/5) keeps camlink's keys apart from other users of the same server.
 *
 * The three connections are made here, not inside mqemitter-redis, and are ready before the broker
 * takes a client: ioredis writes SUBSCRIBE while a connection is still in its handshake, and its ready
 * check (INFO) on that connection then fails with "Connection in subscriber mode". The subscriber
 * connection therefore skips the ready check, on the first connect and on every reconnect.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log/logger.js';

const require = createRequire(import.meta.url);

interface RedisPersistence {
  destroy(): Promise<void>;
  createRetainedStreamCombi(patterns: string[]): AsyncIterable<unknown> | Readable;
}

interface MqEmitterRedis {
  readonly state: NodeJS.EventEmitter;
}

export interface RedisBackends {
  readonly mq: unknown;
  readonly persistence: unknown;
  close(): Promise<void>;
}

const CONNECTION_OPTIONS: RedisOptions = {
  lazyConnect: true,
  maxRetriesPerRequest: 3,
  disableClientInfo: true,
};

export async function redisBackends(url: string, logger?: Logger): Promise<RedisBackends> {
  const mqFactory = require('mqemitter-redis') as (opts: {
    subConn: Redis;
    pubConn: Redis;
  }) => MqEmitterRedis;
  const AsyncPersistence = require('aedes-persistence-redis/asyncPersistence.js') as new (opts: {
    conn: Redis;
  }) => RedisPersistence;
  const conn = new Redis(url, CONNECTION_OPTIONS);
  const pubConn = new Redis(url, CONNECTION_OPTIONS);
  const subConn = new Redis(url, { ...CONNECTION_OPTIONS, enableReadyCheck: false });
  const connections = [conn, pubConn, subConn];
  const onError = (role: string) => (err: Error) =>
    logger?.warn({ err: err.message, role }, 'redis connection error (ioredis reconnects)');
  conn.on('error', onError('persistence'));
  pubConn.on('error', onError('publish'));
  subConn.on('error', onError('subscribe'));
  try {
    await Promise.all(connections.map((c) => c.connect()));
  } catch (err) {
    connections.forEach((c) => c.disconnect());
    throw err;
  }
  const persistence = new AsyncPersistence({ conn });
  // aedes 1.2 pipes the retained-message stream; aedes-persistence-redis 11 returns an async
  // iterable there. Adapt it, so subscribing on a Redis-backed node does not throw.
  const retained = persistence.createRetainedStreamCombi.bind(persistence);
  persistence.createRetainedStreamCombi = (patterns) => {
    const result = retained(patterns);
    return result instanceof Readable ? result : Readable.from(result);
  };
  const mq = mqFactory({ subConn, pubConn });
  // mqemitter-redis re-emits connection errors on `state`; an EventEmitter without an 'error'
  // listener would throw them out of the process.
  mq.state.on('error', onError('mqemitter'));
  return {
    mq,
    persistence,
    async close() {
      await persistence.destroy().catch(() => undefined);
      for (const c of connections) {
        if (c.status !== 'end') await c.quit().catch(() => c.disconnect());
      }
    },
  };
}
