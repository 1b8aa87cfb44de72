/**
 * A running KVS control plane for tests: a fresh CA and server certificate in a temp data dir, the
 * HTTPS listener on port 0, and official Kinesis Video clients that trust the camlink CA.
 */
import type { TestContext } from 'node:test';
import { Agent } from 'node:https';
import { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { InMemoryCredentialStore } from '../../src/auth/credentials.js';
import { loadConfig } from '../../src/config/load.js';
import type { Clock } from '../../src/util/clock.js';
import type { VideoActionAuthorizer } from '../../src/video/data-plane.js';
import { startVideoServer, type RunningVideoServer } from '../../src/video/server.js';
import { EXAMPLE_KEYS, queuePki } from './queue.js';
import { tempDir } from './tmp.js';

export { EXAMPLE_KEYS };

export interface TestVideoServer {
  server: RunningVideoServer;
  dataDir: string;
  ca: Buffer;
  agent: Agent;
  client: (keys?: { accessKeyId: string; secretAccessKey: string }) => KinesisVideoClient;
}

export async function startTestVideo(
  t: TestContext,
  options: {
    clock?: Clock;
    maxStreams?: number;
    dataEndpoint?: string;
    authorize?: VideoActionAuthorizer;
  } = {},
): Promise<TestVideoServer> {
  const dataDir = await tempDir(t);
  const ca = await queuePki(dataDir);
  const config = loadConfig({
    env: {},
    flags: {
      dataDir,
      video: { port: 0, limits: options.maxStreams ? { maxStreams: options.maxStreams } : {} },
    },
  });
  const server = await startVideoServer({
    config: config.video,
    dataDir,
    region: config.iot.region,
    accountId: config.iot.accountId,
    credentials: new InMemoryCredentialStore([EXAMPLE_KEYS]),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.dataEndpoint ? { dataEndpoint: options.dataEndpoint } : {}),
    ...(options.authorize ? { authorize: options.authorize } : {}),
  });
  const agent = new Agent({ ca, keepAlive: true });
  const clients: KinesisVideoClient[] = [];
  t.after(async () => {
    for (const c of clients) c.destroy();
    agent.destroy();
    await server.close();
  });
  return {
    server,
    dataDir,
    ca,
    agent,
    client(keys = EXAMPLE_KEYS) {
      const c = new KinesisVideoClient({
        endpoint: server.url,
        region: 'us-east-1',
        credentials: keys,
        maxAttempts: 1,
        requestHandler: { httpsAgent: agent },
      });
      clients.push(c);
      return c;
    },
  };
}
