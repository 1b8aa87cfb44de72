/**
 * What the embedded platform prepares for the backend, as the CDK app does on AWS: the media bucket,
 * and the backend's own MQTT identity (thing camlink-backend, a certificate issued by the operator CA
 * with its key in DATA_DIR/backend/ mode 0600, the backend policy attached; things camlink-backend-2 ...
 * for the other connections of its pool, attached to the same certificate). Idempotent: a second start
 * reuses what exists and re-attaches what is missing.
 */
import { access } from 'node:fs/promises';
import {
  BACKEND_POLICY_NAME,
  BACKEND_THING_NAME,
  backendPolicyTemplate,
} from '../contracts/backend-policy.js';
import { renderPolicyTemplate, type ArnScope } from '../iot/policy/arn.js';
import type { IotRegistry } from '../iot/registry/registry.js';
import { parseCertificatePem } from '../iot/registry/certificate-pem.js';
import type { Logger } from '../log/logger.js';
import type { PkiContext } from '../pki/context.js';
import { createDevice } from '../pki/device.js';
import type { DiskStore } from '../storage/disk-layout.js';
import { backendIdentityPaths } from '../backend/cloud/services.js';
import { poolClientId } from '../backend/mqtt/pool.js';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Clock } from '../util/clock.js';

export async function bootstrapBackendIdentity(
  dataDir: string,
  pki: PkiContext,
  registry: IotRegistry,
  scope: ArnScope,
  logger: Logger,
  /** Connections of the backend's MQTT pool: things camlink-backend-2 ... -N share its certificate. */
  poolConnections = 1,
): Promise<{ readonly certificateId: string }> {
  if (!registry.hasPolicy(BACKEND_POLICY_NAME)) {
    registry.createPolicy(BACKEND_POLICY_NAME, renderPolicyTemplate(backendPolicyTemplate, scope));
    logger.info({ policy: BACKEND_POLICY_NAME }, 'created the backend policy');
  }
  const paths = backendIdentityPaths(dataDir);
  const present = await Promise.all(
    [paths.certPath, paths.keyPath].map((p) =>
      access(p).then(
        () => true,
        () => false,
      ),
    ),
  );
  if (!present.every(Boolean)) {
    // The backend's thing name is fixed; the operator's device-id pattern is for cameras.
    const unrestricted = { ...pki, config: { ...pki.config, deviceIdPattern: '^camlink-backend$' } };
    await createDevice(unrestricted, BACKEND_THING_NAME, { outDir: dirname(paths.certPath), force: true });
    logger.info({ thing: BACKEND_THING_NAME }, "issued the backend's MQTT identity");
  }
  const pem = await readFile(paths.certPath, 'utf8');
  const { certificateId } = parseCertificatePem(pem, 'the backend certificate');
  if (registry.certificate(certificateId) === undefined) await registry.registerIssuedCertificate(pem, true);
  const arn = registry.certificateArn(certificateId);
  for (let i = 0; i < poolConnections; i++) {
    const thingName = poolClientId(BACKEND_THING_NAME, i);
    registry.createThing({ thingName });
    if (!registry.isThingAttached(thingName, arn)) registry.attachThingPrincipal(thingName, arn);
  }
  if (!registry.attachedPolicies(arn).some((p) => p.policy_name === BACKEND_POLICY_NAME)) {
    registry.attachPolicy(BACKEND_POLICY_NAME, arn);
  }
  return { certificateId };
}

/** The bucket upload URLs point into (on AWS the CDK app creates it). */
export async function ensureMediaBucket(
  store: DiskStore,
  bucket: string,
  clock: Clock,
  logger: Logger,
): Promise<void> {
  if (store.hasBucket(bucket)) return;
  await store.createBucket(bucket, clock.now());
  logger.info({ bucket }, 'created the media bucket');
}
