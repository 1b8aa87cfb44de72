/** `camlink backend`: the control-plane backend alone, until SIGINT/SIGTERM. */
import { once } from 'node:events';
import { startBackend } from '../../backend/server.js';
import { createLogger } from '../../log/logger.js';
import { defineCommand } from '../command.js';
import { parsePortOption } from '../ports.js';
import { summaries } from './summaries.js';

export const backendCommand = defineCommand({
  name: 'backend',
  summary: summaries.backend,
  description:
    'Serves HTTPS with DATA_DIR/pki/server/endpoint.cert.pem (issued by `camlink up`); without it, only\n' +
    '--dev-http (plain HTTP on loopback) starts. The store is SQLite in the data dir unless\n' +
    'backend.store.postgresUrl is set. Its cloud services are the embedded platform of DATA_DIR/endpoints.json\n' +
    '(run `camlink up` first) or AWS / compatible services when backend.aws is configured.\n' +
    'On first start the operator token is written to\n' +
    'DATA_DIR/operator-token (mode 0600). Prints "listening URL" on stdout when ready; stops cleanly on\n' +
    'SIGINT/SIGTERM. See docs/backend.md.',
  options: {
    host: {
      type: 'string',
      valueName: 'ADDR',
      description: 'listen address (default backend.host, 127.0.0.1)',
    },
    port: {
      type: 'string',
      valueName: 'N',
      description: 'listen port, 0 = a free port (default backend.port, 8080)',
    },
    'dev-http': {
      type: 'boolean',
      description: 'DEV ONLY: plain HTTP without TLS, loopback addresses only',
    },
  },
  async run(ctx) {
    const base = ctx.config();
    const port =
      ctx.options.port === undefined ? base.backend.port : parsePortOption('port', ctx.options.port);
    const config = {
      ...base,
      backend: { ...base.backend, port, host: ctx.options.host ?? base.backend.host },
    };
    const logger = createLogger({ level: config.log.level, name: 'camlink-backend' });
    const backend = await startBackend({ config, logger, devHttp: ctx.options['dev-http'] === true });
    if (backend.operatorTokenCreated) {
      ctx.io.stdout(`operator token created in ${backend.operatorTokenFile} (mode 0600; keep it secret)\n`);
    }
    ctx.io.stdout(`camlink backend (store ${backend.store}) listening ${backend.url}\n`);
    const signal = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    ctx.io.stdout(`stopping (${String(signal[0] ?? 'signal')})\n`);
    await backend.close();
    return 0;
  },
});
