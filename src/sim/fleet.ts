/**
 * The simulated fleet in one process: one CameraAgent per identity (src/device/agent.ts, unchanged:
 * its own certificate and mutual-TLS MQTT session, its own durable outbox), brought up with bounded
 * concurrency. A camera counts as connected at its first CONNACK; a new certificate's first connect is
 * dropped by the endpoint while it provisions the thing (JITP) and the agent's own backoff retries it,
 * so first runs are slower than reruns. Cameras not up within the connect timeout are stopped.
 */
import type https from 'node:https';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CameraAgent } from '../device/agent.js';
import type { Logger } from '../log/logger.js';
import { systemClock } from '../util/clock.js';
import type { SimIdentity } from './identities.js';

export interface FleetOptions {
  readonly identities: readonly SimIdentity[];
  readonly mqttUrl: string;
  readonly ca: Buffer;
  /** Outboxes live in DIR/<deviceId>. */
  readonly outboxRoot: string;
  readonly httpsAgent: https.Agent;
  /** Cameras connecting at once. */
  readonly concurrency: number;
  /** Per camera, from start to CONNACK (JITP included). */
  readonly connectTimeoutMs: number;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly progress: (done: number, total: number) => void;
}

export interface SimCamera {
  readonly identity: SimIdentity;
  readonly agent: CameraAgent;
  /** An upload of this camera is under way (one at a time per camera). */
  busy: boolean;
}

export interface FleetResult {
  readonly cameras: SimCamera[];
  readonly failed: number;
  /** Wall time from the first start to the last connect (or failure). */
  readonly elapsedMs: number;
}

export async function connectFleet(options: FleetOptions): Promise<FleetResult> {
  const cameras: SimCamera[] = [];
  let failed = 0;
  let next = 0;
  let done = 0;
  const total = options.identities.length;
  const started = performance.now();
  options.progress(0, total);
  const worker = async () => {
    while (next < total && !options.signal.aborted) {
      const identity = options.identities[next++];
      if (identity === undefined) break;
      const agent = await CameraAgent.start({
        deviceId: identity.deviceId,
        mqttUrl: options.mqttUrl,
        cert: identity.certificatePem,
        key: identity.keyPem,
        ca: options.ca,
        outboxDir: join(options.outboxRoot, identity.deviceId),
        httpsAgent: options.httpsAgent,
        clock: systemClock,
        requestTimeoutMs: 30_000,
        logger: options.logger,
      });
      if (await connected(agent, options.connectTimeoutMs, options.signal)) {
        cameras.push({ identity, agent, busy: false });
      } else {
        failed++;
        await agent.stop().catch(() => undefined);
      }
      options.progress(++done, total);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, total) }, worker));
  return { cameras, failed, elapsedMs: performance.now() - started };
}

/** Stops every camera (closing their sessions), a few hundred at a time. */
export async function stopFleet(cameras: readonly SimCamera[]): Promise<void> {
  const batch = 500;
  for (let i = 0; i < cameras.length; i += batch) {
    await Promise.all(cameras.slice(i, i + batch).map((c) => c.agent.stop().catch(() => undefined)));
  }
}

function connected(agent: CameraAgent, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(false), timeoutMs);
    const onAbort = () => finish(false);
    signal.addEventListener('abort', onAbort, { once: true });
    function finish(ok: boolean) {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(ok);
    }
    agent.waitConnected().then(
      () => finish(true),
      () => finish(false),
    );
  });
}
