/** `camlink storage serve`: the embedded S3-compatible object store on its own (docs/storage.md). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InMemoryCredentialStore } from '../../auth/credentials.js';
import { CamlinkError } from '../../errors/camlink-error.js';
import { createLogger } from '../../log/logger.js';
import { issueServerCert, serverCertPaths } from '../../pki/server-cert.js';
import { lockDataDir } from '../../platform/data-dir-lock.js';
import { startStorageServer } from '../../storage/server.js';
import { fileExists } from '../../util/atomic-file.js';
import { defineCommand, defineGroup } from '../command.js';
import { contextOf } from './pki-options.js';
import { summaries } from './summaries.js';

const serve = defineCommand({
  name: 'serve',
  summary: 'Run the embedded S3-compatible object store (HTTPS, certificate from the camlink CA).',
  description:
    'Objects live in DATA_DIR/storage. On first start the server certificate DATA_DIR/pki/server/storage.cert.pem\n' +
    'is issued by the operator CA (SANs: pki.serverSans and *.<storage.virtualHostDomains>). Access keys come\n' +
    'from storage.accessKeys. Prints the URL, then serves until SIGINT or SIGTERM. Holds the data dir lock\n' +
    '(DATA_DIR/camlink.lock): not next to a `camlink up` on the same data dir (DATA_DIR_LOCKED).',
  options: {
    'dev-http': {
      type: 'boolean',
      description: 'plain HTTP on 127.0.0.1, for development only (logs a warning)',
    },
    port: {
      type: 'string',
      valueName: 'PORT',
      description: 'port (default storage.port; 0 = any free port)',
    },
  },
  async run(ctx) {
    const { config, pki } = contextOf(ctx);
    const storage = config.storage;
    if (storage.accessKeys.length === 0) {
      throw new CamlinkError(
        'STORAGE_OPTIONS_INVALID',
        'no access keys: set storage.accessKeys in the config file (see docs/configuration.md)',
      );
    }
    const portFlag = ctx.options.port;
    if (portFlag !== undefined && !/^\d{1,5}$/.test(portFlag)) {
      throw new CamlinkError('CLI_USAGE', `--port must be 0-65535 (got "${portFlag}")`);
    }
    const port = portFlag === undefined ? storage.port : Number(portFlag);
    if (port > 65_535) throw new CamlinkError('CLI_USAGE', `--port must be 0-65535 (got "${portFlag}")`);
    const devHttp = ctx.options['dev-http'] === true || storage.devHttp;
    const logger = createLogger({ level: config.log.level, name: 'storage' });
    // DATA_DIR/storage is the platform's store: one process on it at a time (a `camlink up` included).
    const lock = await lockDataDir(config.dataDir, logger, 'camlink storage serve');
    try {
      let tls: { key: Buffer; cert: Buffer } | undefined;
      if (!devHttp) {
        const paths = serverCertPaths(config.dataDir, 'storage');
        if (!(await fileExists(paths.certPath))) {
          const sans = [...config.pki.serverSans, ...storage.virtualHostDomains.map((d) => `*.${d}`)];
          await issueServerCert(pki, config.dataDir, { name: 'storage', sans });
        }
        tls = { key: await readFile(paths.keyPath), cert: await readFile(paths.certPath) };
      }
      const server = await startStorageServer({
        dataDir: join(config.dataDir, 'storage'),
        ...(tls ? { tls } : {}),
        devHttp,
        host: devHttp ? '127.0.0.1' : storage.host,
        port,
        credentials: new InMemoryCredentialStore(storage.accessKeys),
        region: storage.region,
        virtualHostDomains: storage.virtualHostDomains,
        limits: storage,
        logger,
      });
      ctx.io.stdout(`object store listening on ${server.url}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    } finally {
      await lock.release();
    }
  },
});

export const storageCommand = defineGroup('storage', summaries.storage, [serve]);
