/**
 * The backend on its own thread (`backend.thread`): `camlink up` runs the broker, the object store, the
 * queue and the IoT API on its main thread and the backend (API, reconciler, MQTT pool, its store) on a
 * worker thread, so the platform uses a second core. The backend talks to the services over their
 * sockets either way (the AWS SDK, MQTT), so nothing else changes: same endpoints.json, same process,
 * one Ctrl-C. Its logs go to stderr like the rest (pino writes the file descriptor from either thread),
 * or, when `camlink up` logs for a person (pretty, to its log file), to the main thread as messages.
 *
 * The thread runs what this module runs: the compiled JavaScript of dist/, or the TypeScript sources
 * through tsx, registered inside it (worker threads do not inherit the loader); see
 * backend-thread-main.ts for its side of the messages.
 */
import { Worker } from 'node:worker_threads';
import { CamlinkError } from '../errors/camlink-error.js';
import type { ErrorCode } from '../errors/registry.js';
import type { Logger } from '../log/logger.js';
import type { RunningBackend } from '../backend/server.js';
import type { FailedCheck } from '../backend/health.js';
import type { CamlinkConfig } from '../config/schema.js';
import type { ServiceEndpoints } from '../contracts/endpoints.js';

export type BackendThreadReply =
  | {
      readonly type: 'ready';
      readonly url: string;
      readonly store: 'sqlite' | 'postgres';
      readonly operatorTokenFile: string;
      readonly operatorTokenCreated: boolean;
    }
  /** The backend's MQTT subscriptions are acknowledged (StartBackendOptions.onMqttReady). */
  | { readonly type: 'mqtt-ready' }
  /** One JSON log line, when the main thread writes the logs (BackendThreadData.forwardLogs). */
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'failed'; readonly message: string; readonly code: string | undefined }
  | { readonly type: 'closed' };

export interface BackendThreadData {
  readonly config: CamlinkConfig;
  readonly endpoints: ServiceEndpoints;
  readonly platformChecks: readonly FailedCheck[];
  /** Send the log lines to the main thread instead of writing them to stderr. */
  readonly forwardLogs: boolean;
  /** tsx's registration module when the thread runs TypeScript sources, else null. */
  readonly tsx: string | null;
  readonly main: string;
}

/** This module is a TypeScript source (run through tsx), not dist/'s compiled JavaScript. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** How long a stopped backend's thread may take to end by itself. */
const THREAD_EXIT_MS = 10_000;

/** Evaluated as the worker's script: registers tsx for TypeScript sources, then loads the entry. */
const BOOT = `
const { workerData } = require('node:worker_threads');
const loader = workerData.tsx === null ? Promise.resolve() : import(workerData.tsx).then((tsx) => tsx.register());
loader.then(() => import(workerData.main));
`;

export async function startBackendThread(options: {
  readonly config: CamlinkConfig;
  readonly endpoints: ServiceEndpoints;
  /** Failed start-up checks of the platform's databases, for the backend's /healthz. */
  readonly platformChecks?: readonly FailedCheck[];
  readonly logger: Logger;
  /** Called when the thread ends on its own (a crash): the platform has no backend any more. */
  readonly onCrash: (err: Error) => void;
  /** The thread's backend has its MQTT subscriptions (StartBackendOptions.onMqttReady). */
  readonly onMqttReady?: () => void;
  /** Where the thread's JSON log lines go; without it the thread writes them to stderr itself. */
  readonly logLines?: ((line: string) => void) | undefined;
}): Promise<RunningBackend> {
  const { logLines } = options;
  const data: BackendThreadData = {
    config: options.config,
    endpoints: options.endpoints,
    platformChecks: options.platformChecks ?? [],
    forwardLogs: logLines !== undefined,
    tsx: FROM_SOURCE ? import.meta.resolve('tsx/esm/api') : null,
    main: new URL(`./backend-thread-main.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url).href,
  };
  const worker = new Worker(BOOT, { eval: true, execArgv: threadExecArgv(), workerData: data });
  if (logLines !== undefined) {
    worker.on('message', (reply: BackendThreadReply) => {
      if (reply.type === 'log') logLines(reply.line);
    });
  }
  let closing = false;
  const ready = await new Promise<Extract<BackendThreadReply, { type: 'ready' }>>((resolve, reject) => {
    const onMessage = (reply: BackendThreadReply) => {
      if (reply.type === 'mqtt-ready') {
        options.onMqttReady?.();
      } else if (reply.type === 'ready') {
        cleanup();
        resolve(reply);
      } else if (reply.type === 'failed') {
        cleanup();
        void worker.terminate();
        reject(failure(reply.message, reply.code));
      }
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`the backend thread exited (code ${code}) before it was ready`));
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
  });
  worker.on('error', (err) => {
    options.logger.fatal({ err }, 'the backend thread crashed');
    if (!closing) options.onCrash(err);
  });
  worker.once('exit', (code) => {
    if (!closing) options.onCrash(new Error(`the backend thread exited (code ${code})`));
  });
  options.logger.info({ url: ready.url }, 'backend runs on its own thread');
  return {
    url: ready.url,
    store: ready.store,
    operatorTokenFile: ready.operatorTokenFile,
    operatorTokenCreated: ready.operatorTokenCreated,
    async close() {
      if (closing) return;
      closing = true;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ type: 'close' });
      // The backend stopped, the thread ends by itself (no handle left); a thread that does not within
      // THREAD_EXIT_MS is terminated.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), THREAD_EXIT_MS);
      });
      const outcome = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (outcome === 'late') {
        options.logger.warn({ waitedMs: THREAD_EXIT_MS }, 'the backend thread did not end; terminating it');
        await worker.terminate();
      }
    },
  };
}

function failure(message: string, code: string | undefined): Error {
  // The thread's CamlinkError arrives as its code and message; it is rebuilt so the CLI prints it alike.
  return code === undefined ? new Error(message) : new CamlinkError(code as ErrorCode, message);
}

/**
 * The process's node flags for the thread (--cpu-prof and the like apply to it too), without the
 * loaders: the thread registers tsx itself, and a second registration would load every module twice.
 */
function threadExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (/^--(import|loader|experimental-loader|require)$/.test(arg) || arg === '-r') {
      i++;
      continue;
    }
    if (/^--(import|loader|experimental-loader|require)=/.test(arg)) continue;
    out.push(arg);
  }
  return out;
}
