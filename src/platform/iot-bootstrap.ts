/**
 * What the embedded IoT control plane needs before devices connect: the repository's device policy,
 * the operator CA registered (DEFAULT mode, proven with a verification certificate, ACTIVE,
 * auto-registration with the repository's JITP template) and the PKI's revocations mirrored into the
 * registry, which is what the endpoint consults.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from '../log/logger.js';
import { DEVICE_POLICY_NAME, devicePolicyTemplate } from '../contracts/device-policy.js';
import { CAMERA_CREDENTIAL_SECONDS, CAMERA_ROLE_ALIAS, cameraRoleArn } from '../contracts/camera-role.js';
import { JITP_TEMPLATE_BODY, jitpRoleArn } from '../contracts/jitp-template.js';
import { renderPolicyTemplate, type ArnScope } from '../iot/policy/arn.js';
import type { IotRegistry } from '../iot/registry/registry.js';
import { parseCertificatePem } from '../iot/registry/certificate-pem.js';
import type { PkiContext } from '../pki/context.js';
import { createVerificationCert } from '../pki/verification.js';

export async function bootstrapIot(
  registry: IotRegistry,
  pki: PkiContext,
  scope: ArnScope,
  logger: Logger,
): Promise<string> {
  const devicePolicyDocument = renderPolicyTemplate(devicePolicyTemplate, scope);
  if (!registry.hasPolicy(DEVICE_POLICY_NAME)) {
    registry.createPolicy(DEVICE_POLICY_NAME, devicePolicyDocument);
    logger.info({ policy: DEVICE_POLICY_NAME }, 'created the device policy');
  } else if (registry.getPolicy(DEVICE_POLICY_NAME).policyDocument !== devicePolicyDocument) {
    // The repository's contract gained a statement since this data dir was created.
    const { policyVersionId } = registry.replacePolicyDocument(DEVICE_POLICY_NAME, devicePolicyDocument);
    logger.info({ policy: DEVICE_POLICY_NAME, policyVersionId }, 'updated the device policy');
  }
  if (registry.roleAlias(CAMERA_ROLE_ALIAS) === undefined) {
    registry.createRoleAlias(CAMERA_ROLE_ALIAS, {
      roleArn: cameraRoleArn(scope.partition, scope.account),
      credentialDurationSeconds: CAMERA_CREDENTIAL_SECONDS,
    });
    logger.info({ roleAlias: CAMERA_ROLE_ALIAS }, 'created the camera role alias');
  }
  const caPem = await readFile(pki.store.caCertPath, 'utf8');
  const { certificateId } = parseCertificatePem(caPem, 'the operator CA');
  if (registry.caCertificate(certificateId) === undefined) {
    const verification = await createVerificationCert(pki, registry.registrationCode(), {});
    await registry.registerCaCertificate({
      caCertificate: caPem,
      verificationCertificate: verification.pem,
      setAsActive: true,
      allowAutoRegistration: true,
      registrationConfig: {
        templateBody: JITP_TEMPLATE_BODY,
        roleArn: jitpRoleArn(scope.partition, scope.account),
      },
    });
    logger.info(
      { caCertificateId: certificateId },
      'registered the operator CA with just-in-time provisioning',
    );
  }
  await syncPkiRevocations(registry, pki, logger);
  return certificateId;
}

/** The certificate id of the operator CA (whether or not it is registered). */
export async function operatorCaIdOf(pki: PkiContext): Promise<string> {
  return parseCertificatePem(await readFile(pki.store.caCertPath, 'utf8'), 'the operator CA').certificateId;
}

/** Marks REVOKED in the registry every registered certificate the PKI revoked; returns how many. */
export async function syncPkiRevocations(
  registry: IotRegistry,
  pki: PkiContext,
  logger: Logger,
): Promise<number> {
  let changed = 0;
  for (const cert of (await pki.store.certificates()).values()) {
    if (cert.status !== 'revoked') continue;
    const row = registry.certificate(cert.certificateId);
    if (row === undefined || row.status === 'REVOKED') continue;
    registry.updateCertificate(cert.certificateId, 'REVOKED');
    logger.info(
      { certificateId: cert.certificateId, deviceId: cert.commonName },
      'certificate revoked in the registry',
    );
    changed++;
  }
  return changed;
}
