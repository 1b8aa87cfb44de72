/**
 * The backend thread's side (backend-thread.ts): starts the backend with the platform's config and
 * endpoints, says `mqtt-ready` once its MQTT subscriptions are acknowledged, answers `ready` (or
 * `failed`), and on `close` stops it and answers `closed`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startBackend, type RunningBackend } from '../backend/server.js';
import { isCamlinkError } from '../errors/camlink-error.js';
import { createLogger } from '../log/logger.js';
import type { BackendThreadData, BackendThreadReply } from './backend-thread.js';

const port = parentPort;
if (port === null) throw new Error('backend-thread-main.ts runs as a worker thread only');
const { config, endpoints, platformChecks, forwardLogs } = workerData as BackendThreadData;
const reply = (message: BackendThreadReply) => port.postMessage(message);
// pretty `camlink up`: its main thread writes every line (to its log file, warnings to the terminal).
const destination = forwardLogs ? { write: (line: string) => reply({ type: 'log', line }) } : undefined;
const logger = createLogger({ level: config.log.level, name: 'camlink' }, destination).child({
  component: 'backend',
});

let backend: RunningBackend | undefined;
port.on('message', (message: { type: string }) => {
  if (message.type !== 'close') return;
  void (async () => {
    try {
      await backend?.close();
    } catch (err) {
      logger.error({ err }, 'stopping the backend failed');
    }
    reply({ type: 'closed' });
    port.close();
  })();
});

try {
  backend = await startBackend({
    config,
    logger,
    endpoints,
    platformChecks,
    onMqttReady: () => reply({ type: 'mqtt-ready' }),
  });
  reply({
    type: 'ready',
    url: backend.url,
    store: backend.store,
    operatorTokenFile: backend.operatorTokenFile,
    operatorTokenCreated: backend.operatorTokenCreated,
  });
} catch (err) {
  reply({
    type: 'failed',
    message: err instanceof Error ? err.message : String(err),
    code: isCamlinkError(err) ? err.code : undefined,
  });
}
