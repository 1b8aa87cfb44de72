/**
 * `camlink up`: the embedded platform in one process and one data dir. It runs the IoT control plane
 * (registry + AWS IoT REST API) and the IoT endpoint (mutual-TLS MQTT with AWS IoT policies and JITP);
 * the object store, queue, backend and video join it as their issues land. When ready it writes
 * DATA_DIR/endpoints.json (0600: it holds the local key pair). It follows the PKI and the registry: a
 * `camlink device revoke` or an UpdateCertificate closes that device's sessions at once.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CamlinkConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { systemClock, systemRandom, type Clock } from '../util/clock.js';
import { SECRET_FILE_MODE, writeFileAtomic } from '../util/atomic-file.js';
import { pkiContext, type PkiContext } from '../pki/context.js';
import { signDeviceCsr } from '../pki/device.js';
import type { TlsServerMaterial } from '../pki/tls-material.js';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import type { Endpoints, ServiceEndpoints } from '../contracts/endpoints.js';
import { DEVICE_POLICY_NAME } from '../contracts/device-policy.js';
import { IotRegistry } from '../iot/registry/registry.js';
import { RegistryIdentityResolver } from '../iot/registry/identity.js';
import { startIotApi, type RunningIotApi } from '../iot/api/server.js';
import { CredentialsProvider } from '../iot/credentials/provider.js';
import { startCredentialsServer } from '../iot/credentials/server.js';
import { RolePolicies } from '../auth/role-policy.js';
import { cameraRoleArn, cameraRolePolicy } from '../contracts/camera-role.js';
import { startVideoServer } from '../video/server.js';
import { chainCredentialStores, InMemoryCredentialStore } from '../auth/credentials.js';
import { startQueueServer } from '../queue/server.js';
import { startStorageServer } from '../storage/server.js';
import { RulesEngine } from '../iot/rules/index.js';
import { RULE_SQL_VERSION } from '../iot/rules/topic-rule-payload.js';
import { UPLOAD_RULE_NAME, UPLOAD_RULE_SQL } from '../contracts/upload-rule.js';

import {
  UPLOAD_DLQ_NAME,
  UPLOAD_DLQ_RETENTION_SECONDS,
  UPLOAD_QUEUE_NAME,
} from '../contracts/upload-queue.js';

export { UPLOAD_DLQ_NAME, UPLOAD_QUEUE_NAME };
import { bootstrapPki, refreshCrlIfDue } from './pki-bootstrap.js';
import { iotDataTls, servicesTls } from './server-tls.js';
import { defineRole } from '../sts/roles.js';
import { StsService } from '../sts/service.js';
import { startStsServer } from '../sts/server.js';
import { bootstrapBackendIdentity, ensureMediaBucket } from './backend-bootstrap.js';
import { startBackend, type RunningBackend } from '../backend/server.js';
import { startBackendThread } from './backend-thread.js';
import { bootstrapIot, syncPkiRevocations } from './iot-bootstrap.js';
import { LOCAL_PROFILE, loadOrCreateLocalCredentials, localCredentialPaths } from './local-credentials.js';
import { CamlinkError } from '../errors/camlink-error.js';
import { inDataDir } from '../config/paths.js';
import { startIamServer } from '../iam/server.js';
import { IamStore } from '../iam/store.js';
import { authorizeIamSession } from '../iam/role-directory.js';
import { operatorCaIdOf } from './iot-bootstrap.js';
import { credentialsRoleCheck, jitpRoleCheck } from './iam-roles.js';
import { ruleSqsRoleCheck } from './rule-roles.js';
import { lockDataDir } from './data-dir-lock.js';
import { startupCheck } from '../fsck/startup.js';

const PKI_RELOAD_DEBOUNCE_MS = 100;
const CRL_CHECK_INTERVAL_MS = 6 * 60 * 60 * 1000;
const VIDEO_PURGE_INTERVAL_MS = 60 * 1000;

export interface RunningPlatform {
  readonly endpoints: Endpoints & { readonly api: string };
  /** The backend's operator token file (created 0600 on first start). */
  readonly operatorTokenFile: string;
  readonly backend: RunningBackend;
  readonly endpointsPath: string;
  readonly broker: RunningBroker;
  readonly registry: IotRegistry;
  /** The IAM roles (config iam.enabled); other parts read roles through it (a RoleDirectory). */
  readonly iam: IamStore | undefined;
  /** Settles when a part that runs on its own thread ended by itself (the backend with backend.thread). */
  readonly crashed: Promise<Error>;
  close(): Promise<void>;
}

export interface PlatformOptions {
  /** Time for the endpoint, registry and PKI (tests move it past AWS's 1 CONNECT/s per client id). */
  clock?: Clock;
  /**
   * Where the backend's thread (backend.thread) sends its JSON log lines, to end up with the logger's
   * (`camlink up` logging to a file); without it the thread writes them to stderr.
   */
  threadLogs?: ((line: string) => void) | undefined;
}

/** `camlink up` with cloudAccount.enabled: the services of a fresh account, no backend among them. */
export type RunningCloudAccount = Omit<RunningPlatform, 'backend' | 'endpoints'> & {
  readonly endpoints: Endpoints;
};

/** The embedded platform with its backend (cloudAccount.enabled: use startCloudAccount). */
export async function startPlatform(
  config: Readonly<CamlinkConfig>,
  logger: Logger,
  options: PlatformOptions = {},
): Promise<RunningPlatform> {
  if (config.cloudAccount.enabled) {
    throw new CamlinkError(
      'CONFIG_INVALID',
      'cloudAccount.enabled runs no backend: start it with startCloudAccount',
    );
  }
  const started = await start(config, logger, options);
  const { backend, endpoints } = started;
  if (backend === undefined || endpoints.api === undefined) {
    await started.close();
    throw new CamlinkError('CONFIG_INVALID', 'the platform started without its backend');
  }
  return { ...started, backend, endpoints: { ...endpoints, api: endpoints.api } };
}

/**
 * A fresh cloud account (cloudAccount.enabled): the services run, nothing the CDK stack or the operator
 * creates exists yet (no operator CA registered, device policy, role alias, backend identity, media
 * bucket, upload queues or embedded backend).
 */
export async function startCloudAccount(
  config: Readonly<CamlinkConfig>,
  logger: Logger,
  options: PlatformOptions = {},
): Promise<RunningCloudAccount> {
  if (!config.cloudAccount.enabled) {
    throw new CamlinkError('CONFIG_INVALID', 'startCloudAccount needs cloudAccount.enabled');
  }
  const started: RunningCloudAccount = await start(config, logger, options);
  return started;
}

type Started = RunningCloudAccount & { readonly backend: RunningBackend | undefined };

/** One platform per data dir: the lock is taken before anything in it is touched, released last. */
async function start(
  config: Readonly<CamlinkConfig>,
  logger: Logger,
  options: PlatformOptions,
): Promise<Started> {
  const lock = await lockDataDir(config.dataDir, logger);
  let started: Started;
  try {
    started = await startLocked(config, logger, options);
  } catch (err) {
    await lock.release();
    throw err;
  }
  return {
    ...started,
    async close() {
      try {
        await started.close();
      } finally {
        await lock.release();
      }
    },
  };
}

async function startLocked(
  config: Readonly<CamlinkConfig>,
  logger: Logger,
  options: PlatformOptions,
): Promise<Started> {
  const fresh = config.cloudAccount.enabled;
  const clock = options.clock ?? systemClock;
  const pki = pkiContext(config.dataDir, config.pki, { clock });
  await bootstrapPki(config, pki, logger);
  const scope = { partition: config.iot.partition, region: config.iot.region, account: config.iot.accountId };
  const registry = IotRegistry.open(join(config.dataDir, 'iot.db'), scope, clock);
  const closers: (() => Promise<void> | void)[] = [() => registry.close()];
  try {
    // A fresh account has nothing of the stack's: no device policy, role alias or registered CA.
    const operatorCaId = fresh
      ? await operatorCaIdOf(pki)
      : await bootstrapIot(registry, pki, scope, logger.child({ component: 'iot' }));
    const iam = config.iam.enabled ? IamStore.open(join(config.dataDir, 'iam.db'), scope, clock) : undefined;
    if (iam !== undefined) closers.unshift(() => iam.close());
    const credentials = await loadOrCreateLocalCredentials(config.dataDir, config.iot.region);
    const credentialStore = new InMemoryCredentialStore([credentials]);
    // What temporary credentials (the credentials provider's) may do: the camera role's policy.
    const rolePolicies = new RolePolicies();
    if (!fresh) {
      rolePolicies.define(cameraRoleArn(scope.partition, scope.account), [
        cameraRolePolicy(scope, config.backend.uploads.bucket),
      ]);
    }
    // A session's role: from IAM when it holds the role (read at request time), else the ones defined here.
    const authorizeSession: RolePolicies['authorize'] = (credential, action, arn) =>
      (iam === undefined ? undefined : authorizeIamSession(iam, credential, action, arn)) ??
      rolePolicies.authorize(credential, action, arn);
    if (iam !== undefined) {
      registry.jitpRoleCheck = jitpRoleCheck(iam, scope, config.iot.region, fresh);
    }
    const identity = new RegistryIdentityResolver(registry, logger.child({ component: 'iot' }), [
      DEVICE_POLICY_NAME,
    ]);
    const tlsMaterial = () => endpointTls(config, pki, registry, operatorCaId, logger);
    // DATA_DIR's endpoint certificate, or the files config `tls` names (a cloud rehearsal).
    const serverTls = await servicesTls(config.dataDir, config.tls);
    // Roles the embedded STS hands out: their permission policies hold their sessions everywhere.
    const stsRoles = config.sts.enabled ? config.sts.roles.map((role) => defineRole(role)) : [];
    for (const role of stsRoles) rolePolicies.define(role.roleArn, role.policies);

    // The queue first: the upload rule writes into it before the endpoint acknowledges a publish.
    const queue = await startQueueServer({
      config: config.queue,
      dataDir: config.dataDir,
      region: config.iot.region,
      accountId: config.iot.accountId,
      partition: config.iot.partition,
      credentials: credentialStore,
      ...(stsRoles.length > 0 || iam !== undefined
        ? { authorizeSession: (credential, action, arn) => authorizeSession(credential, action, arn) }
        : {}),
      ...(config.tls.advertise.sqsUrl === undefined
        ? {}
        : { publicUrl: config.tls.advertise.sqsUrl.replace(/\/$/, '') }),
      tls: serverTls,
      clock,
      logger: logger.child({ component: 'queue' }),
    });
    closers.unshift(() => queue.close());
    if (!fresh) {
      // Kept 14 days, as the CDK app's (a dead-lettered message keeps its first send time): an older
      // data dir's 4-day default is raised at start.
      queue.store.createQueue(UPLOAD_DLQ_NAME);
      queue.store.setQueueAttributes(UPLOAD_DLQ_NAME, {
        MessageRetentionPeriod: String(UPLOAD_DLQ_RETENTION_SECONDS),
      });
      queue.store.createQueue(UPLOAD_QUEUE_NAME, {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: queue.store.queueArn(UPLOAD_DLQ_NAME),
          maxReceiveCount: '5',
        }),
      });
    }
    const uploadQueueUrl = `${queue.url}/${config.iot.accountId}/${UPLOAD_QUEUE_NAME}`;
    // The built-in upload rule, stored so the IoT API shows it (GetTopicRule); a rehearsal's fresh
    // cloud account has none until the stack stand-in creates it through the API.
    if (!fresh) {
      registry.putTopicRule(UPLOAD_RULE_NAME, {
        sql: UPLOAD_RULE_SQL,
        awsIotSqlVersion: RULE_SQL_VERSION,
        ruleDisabled: false,
        actions: [{ sqs: { queueUrl: uploadQueueUrl } }],
      });
    }
    const late: { broker?: RunningBroker } = {};
    // With IAM, an SQS action's role must trust AWS IoT and allow sqs:SendMessage (rule-roles.ts).
    const queueArnOf = (url: string): string | undefined => {
      try {
        return queue.store.queueArn(queue.store.queueNameFromUrl(url));
      } catch {
        return undefined;
      }
    };
    const rules = new RulesEngine(registry.ruleDefinitions(), {
      queue: queue.store,
      republish: (topic, payload, qos) => late.broker?.publish(topic, payload, qos) ?? Promise.resolve(),
      ...(iam === undefined ? {} : { checkSqsRole: ruleSqsRoleCheck(iam, scope, fresh, queueArnOf) }),
    });
    // Rules changed through the IoT API run from the next message on.
    registry.events.on('rules-changed', (name) => {
      try {
        rules.replaceRules(registry.ruleDefinitions());
      } catch (err) {
        logger.error({ err, rule: name }, 'reloading the topic rules failed; the previous rules still run');
      }
    });

    // Devices wait (CONNACK 3) until the embedded backend is subscribed: a camera admitted before would
    // publish its requests to nobody (src/broker/admission.ts). Its own connections are admitted.
    const backendIdentity: { certificateId?: string } = {};
    const gated = !fresh && config.backend.mqttSession;
    const broker = await startBroker({
      ...(gated
        ? {
            admission: {
              service: (who) =>
                who.certificateId !== undefined && who.certificateId === backendIdentity.certificateId,
            },
          }
        : {}),
      config: config.broker,
      scope,
      tls: await tlsMaterial(),
      identity,
      rules,
      logger: logger.child({ component: 'broker' }),
      clock,
    });
    late.broker = broker;
    closers.unshift(() => broker.close());

    const storage = await startStorageServer({
      dataDir: join(config.dataDir, 'storage'),
      tls: serverTls,
      host: config.storage.host,
      port: config.storage.port,
      // The platform's key pair plus storage.accessKeys (e.g. a COS SecretId for local COS-signed URLs).
      credentials: chainCredentialStores(
        new InMemoryCredentialStore([credentials, ...config.storage.accessKeys]),
        credentialStore,
      ),
      authorizeSession: (credential, action, bucket, key) =>
        authorizeSession(
          credential,
          action,
          `arn:${scope.partition}:s3:::${bucket ?? ''}${key === undefined ? '' : `/${key}`}`,
        ),
      region: config.storage.region,
      virtualHostDomains: config.storage.virtualHostDomains,
      limits: config.storage,
      clock,
      logger: logger.child({ component: 'storage' }),
    });
    closers.unshift(() => storage.close());
    if (!fresh) {
      await ensureMediaBucket(storage.store, config.backend.uploads.bucket, clock, logger);
      const { certificateId } = await bootstrapBackendIdentity(
        config.dataDir,
        pki,
        registry,
        scope,
        logger.child({ component: 'iot' }),
        config.backend.mqttPool.connections,
      );
      backendIdentity.certificateId = certificateId;
    }
    identity.publish = (topic, payload) => broker.publish(topic, payload, 1);
    // The quick form of `camlink fsck` (its databases, upload rows against this store, dead letters):
    // what it finds is logged, and a damaged database makes the backend's /healthz answer degraded.
    const platformChecks = fresh
      ? []
      : await startupCheck(config, storage.store, logger.child({ component: 'fsck' }));

    // Temporary credentials for cameras' direct calls (KVS), checked against the same trust list.
    const credentialsProvider = await startCredentialsServer({
      provider: new CredentialsProvider({
        registry,
        store: credentialStore,
        clock,
        random: systemRandom,
        maxSessions: config.iot.credentials.maxSessions,
        maxSessionsPerCertificate: config.iot.credentials.maxSessionsPerCertificate,
        ...(iam === undefined
          ? {}
          : { checkRole: credentialsRoleCheck(iam, scope, config.iot.region, fresh) }),
      }),
      tls: await tlsMaterial(),
      host: config.iot.credentials.host,
      port: config.iot.credentials.port,
      logger: logger.child({ component: 'iot-credentials' }),
    });
    closers.unshift(() => credentialsProvider.close());

    const api: RunningIotApi = await startIotApi({
      host: config.iot.api.host,
      port: config.iot.api.port,
      region: config.iot.region,
      tls: serverTls,
      credentials: credentialStore,
      clock: pki.clock,
      logger: logger.child({ component: 'iot-api' }),
      registry,
      ...(stsRoles.length > 0 || iam !== undefined
        ? {
            authorizeSession: {
              scope: { partition: scope.partition, region: config.iot.region, account: scope.account },
              authorize: (credential, action, arn) => authorizeSession(credential, action, arn),
            },
          }
        : {}),
      signCsr: async (csr) => (await signDeviceCsr(pki, csr)).pem,
      endpoints: {
        'iot:Data-ATS': config.tls.advertise.iotData ?? new URL(broker.mqttsUrl).host,
        'iot:CredentialProvider':
          config.tls.advertise.iotCredentials ?? new URL(credentialsProvider.url).host,
      },
    });
    closers.unshift(() => api.close());

    // STS (AssumeRole, GetCallerIdentity) for the configured roles; its sessions live in the same store.
    const sts = config.sts.enabled
      ? await startStsServer({
          service: new StsService({
            roles: stsRoles,
            store: credentialStore,
            clock,
            random: systemRandom,
            account: scope.account,
            partition: scope.partition,
            localPrincipalArn:
              config.sts.localPrincipalArn ??
              `arn:${scope.partition}:iam::${scope.account}:user/camlink-local`,
            authorizeSession: (credential, action, arn) => authorizeSession(credential, action, arn),
            ...(iam === undefined ? {} : { directory: iam }),
            maxSessionSeconds: config.sts.maxSessionSeconds,
          }),
          host: config.sts.host,
          port: config.sts.port,
          region: config.iot.region,
          tls: serverTls,
          credentials: credentialStore,
          clock,
          logger: logger.child({ component: 'sts' }),
        })
      : undefined;
    if (sts !== undefined) closers.unshift(() => sts.close());

    // IAM (roles and their policies), for the platform's own key pair only.
    const iamServer =
      iam === undefined
        ? undefined
        : await startIamServer({
            store: iam,
            host: config.iam.host,
            port: config.iam.port,
            tls: serverTls,
            credentials: credentialStore,
            clock,
            logger: logger.child({ component: 'iam' }),
          });
    if (iamServer !== undefined) closers.unshift(() => iamServer.close());

    // Live changes: status changes close sessions now; CA changes reload the trust list.
    const enforce = () =>
      broker
        .enforceRevocations()
        .then(
          (closed) =>
            closed > 0 && logger.info({ closed }, 'closed sessions of certificates no longer ACTIVE'),
        )
        .catch((err: unknown) => logger.error({ err }, 'enforcing certificate status failed'));
    const reloadTls = () =>
      tlsMaterial()
        .then((material) => {
          broker.reloadTls(material);
          credentialsProvider.reloadTls(material);
        })
        .catch((err: unknown) => logger.error({ err }, 'TLS reload failed'));
    // Only a certificate leaving ACTIVE can end sessions; activations (every JITP registration) can't,
    // and checking every live session on each of them made first connects O(fleet) apiece.
    registry.events.on('certificate-status', (_certificateId, status) => {
      if (status !== 'ACTIVE') void enforce();
    });
    registry.events.on('ca-changed', () => void reloadTls().then(enforce));

    let timer: NodeJS.Timeout | undefined;
    const watcher: FSWatcher = watch(pki.store.dir, (_event, file) => {
      if (file !== 'ca.crl.pem' && file !== 'index.jsonl') return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        syncPkiRevocations(registry, pki, logger)
          .then(reloadTls)
          .then(enforce)
          .catch((err: unknown) => logger.error({ err }, 'PKI reload failed'));
      }, PKI_RELOAD_DEBOUNCE_MS);
    });
    const crlTimer = setInterval(() => {
      refreshCrlIfDue(pki, logger).catch((err: unknown) => logger.error({ err }, 'CRL refresh failed'));
    }, CRL_CHECK_INTERVAL_MS);
    crlTimer.unref();
    closers.unshift(() => {
      watcher.close();
      clearTimeout(timer);
      clearInterval(crlTimer);
    });

    // Video: the KVS-compatible service; cameras reach it with the credentials provider's temporary keys.
    const video = await startVideoServer({
      config: config.video,
      dataDir: config.dataDir,
      region: config.iot.region,
      accountId: config.iot.accountId,
      partition: config.iot.partition,
      credentials: credentialStore,
      tls: serverTls,
      ...(config.tls.advertise.kvsDataEndpoint === undefined
        ? {}
        : { dataEndpoint: config.tls.advertise.kvsDataEndpoint.replace(/\/$/, '') }),
      authorize: (credential, action, arn) => authorizeSession(credential, action, arn),
      clock,
      logger: logger.child({ component: 'video' }),
    });
    closers.unshift(() => video.close());
    const purgeTimer = setInterval(() => {
      try {
        video.store.purgeExpired();
      } catch (err) {
        logger.error({ err }, 'video retention purge failed');
      }
    }, VIDEO_PURGE_INTERVAL_MS);
    purgeTimer.unref();
    closers.unshift(() => clearInterval(purgeTimer));

    const paths = localCredentialPaths(config.dataDir);
    const services: ServiceEndpoints = {
      mqtt: broker.mqttsUrl,
      ...(broker.plaintextUrl ? { mqttPlaintext: broker.plaintextUrl } : {}),
      iot: api.url,
      iotCredentials: credentialsProvider.url,
      kvs: video.url,
      s3: storage.url,
      sqs: queue.url,
      ...(sts === undefined ? {} : { sts: sts.url }),
      ...(iamServer === undefined ? {} : { iam: iamServer.url }),
      uploadQueueUrl,
      credentials: { ...credentials, profile: LOCAL_PROFILE, sharedCredentialsFile: paths.sharedFile },
      caPath: pki.store.caCertPath,
      partition: config.iot.partition,
      region: config.iot.region,
      accountId: config.iot.accountId,
      pid: process.pid,
      startedAt: new Date().toISOString(),
    };
    // The backend last: it uses every service above through the AWS SDK, as it would on AWS.
    let crash: (err: Error) => void = () => undefined;
    const crashed = new Promise<Error>((resolve) => (crash = resolve));
    // A fresh account runs no backend: the operator starts `camlink backend` against these services.
    const onMqttReady = () => broker.openAdmission('the backend is subscribed');
    const backend = fresh
      ? undefined
      : config.backend.thread && options.clock === undefined
        ? await startBackendThread({
            config,
            endpoints: services,
            platformChecks,
            logger,
            onCrash: crash,
            onMqttReady,
            logLines: options.threadLogs,
          })
        : await startBackend({
            config,
            logger: logger.child({ component: 'backend' }),
            clock,
            endpoints: services,
            onMqttReady,
            platformChecks,
          });
    if (backend !== undefined) closers.unshift(() => backend.close());
    if (!broker.admissionOpen) {
      // The backend runs without its MQTT session (it logged why): devices get the rest of the platform.
      logger.warn('the backend started without its MQTT subscriptions: admitting devices anyway');
      broker.openAdmission('the backend started without MQTT');
    }
    const endpoints: Endpoints = { ...services, ...(backend === undefined ? {} : { api: backend.url }) };
    const endpointsPath = join(config.dataDir, 'endpoints.json');
    await writeFileAtomic(endpointsPath, `${JSON.stringify(endpoints, null, 2)}\n`, {
      mode: SECRET_FILE_MODE,
      overwrite: true,
    });
    closers.unshift(() => rm(endpointsPath, { force: true }));

    return {
      endpoints,
      endpointsPath,
      operatorTokenFile:
        backend?.operatorTokenFile ?? inDataDir(config.dataDir, config.backend.operatorTokenFile),
      backend,
      broker,
      registry,
      iam,
      crashed,
      async close() {
        for (const close of closers.splice(0)) await close();
      },
    };
  } catch (err) {
    for (const close of closers.splice(0)) await close();
    throw err;
  }
}

/**
 * The endpoint's TLS material: the server certificate, every ACTIVE registered CA as a trust anchor,
 * and the operator CRL when the operator CA is the only anchor (OpenSSL's CRL check wants a CRL for
 * every issuer; with other CAs registered, revocation is enforced by the registry at CONNECT instead).
 */
async function endpointTls(
  config: Readonly<CamlinkConfig>,
  pki: PkiContext,
  registry: IotRegistry,
  operatorCaId: string,
  logger: Logger,
): Promise<TlsServerMaterial & { ca: Buffer }> {
  const cas = registry.activeCaPems();
  const onlyOperator = cas.length === 1 && registry.caCertificate(operatorCaId)?.status === 'ACTIVE';
  if (!onlyOperator)
    logger.info({ cas: cas.length }, 'TLS trusts the registered CAs; revocation is checked at CONNECT');
  const material = {
    ...(await iotDataTls(config.dataDir, config.tls)),
    ca: Buffer.from(cas.join('\n')),
  };
  return onlyOperator ? { ...material, crl: await readFile(pki.store.crlPath) } : material;
}
