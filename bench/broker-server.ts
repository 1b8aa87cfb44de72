/**
 * Bench child process: the camlink endpoint alone (so its CPU and RSS are its own), on a free port,
 * from an existing data dir. Prints "ready <port>" on stdout; exits on SIGTERM.
 */
import { once } from 'node:events';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/log/logger.js';
import { startBroker } from '../src/broker/broker.js';
import { PkiIdentityResolver } from '../src/broker/pki-identity.js';
import { loadTlsServerMaterial } from '../src/pki/tls-material.js';
import { pkiContext } from '../src/pki/context.js';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: broker-server.ts DATA_DIR');
const config = loadConfig({
  env: {},
  flags: {
    dataDir,
    log: { level: 'error' },
    // Mosquitto has no per-connection publish quota; lift AWS's 100/s so both brokers do the same work.
    broker: { port: 0, limits: { publishesPerSecond: 1_000_000 } },
  },
});
const pki = pkiContext(dataDir, config.pki);
const scope = { partition: config.iot.partition, region: config.iot.region, account: config.iot.accountId };
const broker = await startBroker({
  config: config.broker,
  scope,
  tls: await loadTlsServerMaterial(dataDir, pki.store),
  identity: new PkiIdentityResolver(pki.store, scope),
  logger: createLogger({ level: 'error' }),
});
process.stdout.write(`ready ${broker.port}\n`);
await once(process, 'SIGTERM');
await broker.close();
