/**
 * `camlink up` as a real child process (what users run), for fault tests that must kill it: fixed
 * ports picked once (so pre-signed URLs, MQTT URLs and endpoints.json stay valid across a restart on
 * the same data dir), readiness awaited on the "camlink is up" line, JSON log lines kept for
 * assertions, SIGKILL or SIGTERM on demand, and a SIGKILL in cleanup if the test left it running.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { TestContext } from 'node:test';
import type { Endpoints } from '../../src/contracts/endpoints.js';
import { CAMLINK_BIN } from './cli.js';

/** `n` distinct ports that were free a moment ago (held together, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, async () => {
      const server = createServer();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return server;
    }),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** A config file for `camlink up` on fixed free ports; `extra` backend keys are merged in. */
export async function writePlatformConfig(
  dataDir: string,
  backend: Record<string, unknown> = {},
): Promise<string> {
  const [broker, api, credentials, storage, queue, video, backendPort] = await freePorts(7);
  const config = {
    dataDir,
    log: { level: 'info' },
    broker: { port: broker },
    iot: { api: { port: api }, credentials: { port: credentials } },
    storage: { port: storage },
    queue: { port: queue },
    video: { port: video },
    backend: { port: backendPort, ...backend },
  };
  const file = join(dataDir, '..', 'camlink-fault.json');
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

export interface PlatformProcess {
  readonly endpoints: Endpoints;
  readonly pid: number;
  /** Every JSON log line of this process so far (stderr), parsed. */
  readonly logs: Record<string, unknown>[];
  /** SIGKILL, resolved once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM, resolved with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `camlink up --config <file>` and resolves once it printed that it is up. */
export async function startPlatformProcess(
  t: TestContext,
  configFile: string,
  dataDir: string,
  /** Called with every JSON log line as it arrives (to wait on a log event). */
  onLog: (line: Record<string, unknown>) => void = () => undefined,
): Promise<PlatformProcess> {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(
    process.execPath,
    [CAMLINK_BIN, 'up', '--config', configFile],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } },
  );
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const logs: Record<string, unknown>[] = [];
  let partial = '';
  let stderrTail = '';
  child.stderr.on('data', (d: Buffer) => {
    partial += d.toString('utf8');
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      stderrTail = `${stderrTail}${line}\n`.slice(-4000);
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        logs.push(parsed);
        onLog(parsed);
      } catch {
        // not a log line (a Node warning); kept in stderrTail only
      }
    }
  });
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      stdout += d.toString('utf8');
      if (stdout.includes('camlink is up')) {
        child.stdout.off('data', onData);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    void exited.then(([code, signal]) =>
      reject(new Error(`camlink up exited (${code ?? signal}) before it was up:\n${stderrTail}`)),
    );
  });
  child.stdout.resume();
  const endpoints = JSON.parse(await readFile(join(dataDir, 'endpoints.json'), 'utf8')) as Endpoints;
  return {
    endpoints,
    pid: child.pid ?? 0,
    logs,
    async kill9() {
      child.kill('SIGKILL');
      const [, signal] = await exited;
      if (signal !== 'SIGKILL') throw new Error(`camlink up ended with ${signal}, not SIGKILL`);
    },
    async stop() {
      child.kill('SIGTERM');
      const [code] = await exited;
      return code;
    },
  };
}
