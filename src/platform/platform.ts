/**
 * `camlink up`: the embedded platform in one process and one data dir. Today it runs the IoT endpoint
 * (mutual-TLS MQTT with AWS IoT policies); the object store, queue, IoT control plane, backend and video
 * join it as their issues land. When ready it writes DATA_DIR/endpoints.json. It follows the PKI on
 * disk: a `camlink device revoke` from another shell reloads the CRL and closes that device's sessions.
 */
import { watch, type FSWatcher } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CamlinkConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { writeFileAtomic, PUBLIC_FILE_MODE } from '../util/atomic-file.js';
import { pkiContext } from '../pki/context.js';
import { loadTlsServerMaterial } from '../pki/tls-material.js';
import { PkiIdentityResolver } from '../broker/pki-identity.js';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import type { Endpoints } from '../contracts/endpoints.js';
import { bootstrapPki, refreshCrlIfDue } from './pki-bootstrap.js';

const PKI_RELOAD_DEBOUNCE_MS = 100;
const CRL_CHECK_INTERVAL_MS = 6 * 60 * 60 * 1000;

export interface RunningPlatform {
  readonly endpoints: Endpoints;
  readonly endpointsPath: string;
  readonly broker: RunningBroker;
  close(): Promise<void>;
}

export async function startPlatform(
  config: Readonly<CamlinkConfig>,
  logger: Logger,
): Promise<RunningPlatform> {
  const pki = pkiContext(config.dataDir, config.pki);
  await bootstrapPki(config, pki, logger);
  const scope = { partition: config.iot.partition, region: config.iot.region, account: config.iot.accountId };
  const identity = new PkiIdentityResolver(pki.store, scope);
  const broker = await startBroker({
    config: config.broker,
    scope,
    tls: await loadTlsServerMaterial(config.dataDir, pki.store),
    identity,
    logger: logger.child({ component: 'broker' }),
  });

  const reloadPki = async () => {
    broker.reloadTls(await loadTlsServerMaterial(config.dataDir, pki.store));
    const closed = await broker.enforceRevocations();
    if (closed > 0) logger.info({ closed }, 'closed sessions of revoked certificates');
  };
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(pki.store.dir, (_event, file) => {
    if (file !== 'ca.crl.pem' && file !== 'index.jsonl') return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      reloadPki().catch((err: unknown) => logger.error({ err }, 'PKI reload failed'));
    }, PKI_RELOAD_DEBOUNCE_MS);
  });
  const crlTimer = setInterval(() => {
    refreshCrlIfDue(pki, logger).catch((err: unknown) => logger.error({ err }, 'CRL refresh failed'));
  }, CRL_CHECK_INTERVAL_MS);
  crlTimer.unref();

  const endpoints: Endpoints = {
    mqtt: broker.mqttsUrl,
    ...(broker.plaintextUrl ? { mqttPlaintext: broker.plaintextUrl } : {}),
    caPath: pki.store.caCertPath,
    partition: config.iot.partition,
    region: config.iot.region,
    accountId: config.iot.accountId,
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
  const endpointsPath = join(config.dataDir, 'endpoints.json');
  await writeFileAtomic(endpointsPath, `${JSON.stringify(endpoints, null, 2)}\n`, {
    mode: PUBLIC_FILE_MODE,
    overwrite: true,
  });

  return {
    endpoints,
    endpointsPath,
    broker,
    async close() {
      watcher.close();
      clearTimeout(timer);
      clearInterval(crlTimer);
      await broker.close();
      await rm(endpointsPath, { force: true });
    },
  };
}
