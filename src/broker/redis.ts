/**
 * Multi-node option: several broker processes share one Redis for message routing (mqemitter-redis)
 * and session state (aedes-persistence-redis, its async API as aedes 1.x requires). The database number
 * in the URL (redis://host:6379/5) keeps camlink's keys apart from other users of the same server.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { Redis } from 'ioredis';

const require = createRequire(import.meta.url);

interface RedisPersistence {
  destroy(): Promise<void>;
  createRetainedStreamCombi(patterns: string[]): AsyncIterable<unknown> | Readable;
}

export interface RedisBackends {
  readonly mq: unknown;
  readonly persistence: unknown;
  close(): Promise<void>;
}

export async function redisBackends(url: string): Promise<RedisBackends> {
  const mqFactory = require('mqemitter-redis') as (opts: { connectionString: string }) => unknown;
  const AsyncPersistence = require('aedes-persistence-redis/asyncPersistence.js') as new (opts: {
    conn: Redis;
  }) => RedisPersistence;
  const conn = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  await conn.connect();
  const persistence = new AsyncPersistence({ conn });
  // aedes 1.2 pipes the retained-message stream; aedes-persistence-redis 11 returns an async
  // iterable there. Adapt it, so subscribing on a Redis-backed node does not throw.
  const retained = persistence.createRetainedStreamCombi.bind(persistence);
  persistence.createRetainedStreamCombi = (patterns) => {
    const result = retained(patterns);
    return result instanceof Readable ? result : Readable.from(result);
  };
  const mq = mqFactory({ connectionString: url });
  return {
    mq,
    persistence,
    async close() {
      await persistence.destroy().catch(() => undefined);
      if (conn.status !== 'end') await conn.quit().catch(() => undefined);
    },
  };
}
