/**
 * Devices. The operator registers device ids (AWS IoT thing names, checked by the contracts' rule and
 * the configured pattern) or provisions them through the IoT control plane from a CSR, and sees every
 * device; a user sees only the devices paired to them. Another user's device answers NOT_FOUND exactly
 * like an unknown one, so existence does not leak.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { assertDeviceId, THING_NAME_MAX_LENGTH } from '../../../contracts/device-id.js';
import { CamlinkError } from '../../../errors/camlink-error.js';
import { parseDeviceCsr } from '../../../pki/csr.js';
import { requireOperator } from '../../auth/principal.js';
import { bearerSecurity, principalOf } from '../auth.js';
import type { BackendDeps } from '../deps.js';
import { zodSchema } from '../validation.js';
import { deviceView } from '../views.js';
import { CertificateStatusCache } from '../../cloud/certificate-cache.js';
import { deviceStatusViews } from '../device-status.js';

const deviceId = z.string().min(1).max(THING_NAME_MAX_LENGTH);
const registerBody = z.strictObject({
  deviceId,
  /** The AWS IoT certificate id (64 hex digits) the device authenticates with, when known. */
  certificateId: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits')
    .optional(),
});
const deviceParams = z.strictObject({ id: deviceId });
/** A PKCS#10 PEM of an EC or RSA-4096 key is well under this. */
export const PROVISION_CSR_MAX_LENGTH = 8192;
const provisionBody = z.strictObject({
  deviceId,
  /** PKCS#10 request (PEM) whose subject is exactly CN=<deviceId>; the key stays on the device. */
  csr: z.string().min(1).max(PROVISION_CSR_MAX_LENGTH),
});

/**
 * Checks the CSR here rather than leaving it to the IoT API: AWS's CreateCertificateFromCsr signs any
 * subject, while the embedded endpoint names a device's thing after its certificate's CN, so a CN
 * other than the device id would make a certificate that connects as some other thing. Requiring
 * CN = device id keeps the two worlds alike and gives the precise PKI_* codes.
 */
async function checkProvisioningCsr(csrPem: string, id: string, pattern: RegExp): Promise<void> {
  const csr = await parseDeviceCsr(csrPem, pattern);
  if (csr.commonName !== id) {
    throw new CamlinkError(
      'PKI_CSR_MALFORMED',
      `the CSR subject CN "${csr.commonName}" is not the device id "${id}"; the CN must be the device id`,
    );
  }
}

export function deviceRoutes(app: FastifyInstance, deps: BackendDeps): void {
  const operatorPattern = new RegExp(deps.config.pki.deviceIdPattern, 'u');
  const certificates = new CertificateStatusCache(deps.services.devices, deps.clock);
  const statusDeps = { store: deps.store, logger: deps.logger, certificates };

  app.get(
    '/devices',
    {
      schema: {
        summary:
          "List devices: the caller's own, or all of them for the operator, each with its presence " +
          '(online/offline/unknown since) and certificate state (ACTIVE, REVOKED..., expiry).',
        tags: ['devices'],
        security: bearerSecurity,
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const devices =
        principal.kind === 'operator'
          ? await deps.store.listDevices()
          : await deps.store.listUserDevices(principal.userId);
      return { devices: await deviceStatusViews(statusDeps, devices) };
    },
  );

  app.post(
    '/devices',
    {
      schema: {
        summary: 'Register a device id (operator).',
        tags: ['devices'],
        security: bearerSecurity,
        body: zodSchema(registerBody),
      },
    },
    async (request, reply) => {
      requireOperator(principalOf(request));
      const body = request.body as z.infer<typeof registerBody>;
      assertDeviceId(body.deviceId, operatorPattern);
      const now = deps.clock.now().getTime();
      if (
        !(await deps.store.createDevice({ deviceId: body.deviceId, certificateId: body.certificateId }, now))
      ) {
        throw new CamlinkError('CONFLICT', `device ${body.deviceId} is already registered`);
      }
      const device = await deps.store.findDevice(body.deviceId);
      if (device === undefined) throw new CamlinkError('INTERNAL', 'registered device vanished');
      return reply.code(201).send({ device: deviceView(device) });
    },
  );

  app.post(
    '/devices/provision',
    {
      schema: {
        summary:
          'Provision a device through the IoT control plane (operator): thing, certificate from the CSR, ' +
          'device policy; returns the certificate once.',
        tags: ['devices'],
        security: bearerSecurity,
        body: zodSchema(provisionBody),
      },
    },
    async (request, reply) => {
      requireOperator(principalOf(request));
      const body = request.body as z.infer<typeof provisionBody>;
      assertDeviceId(body.deviceId, operatorPattern);
      await checkProvisioningCsr(body.csr, body.deviceId, operatorPattern);
      const provisioned = await deps.services.devices.provision({
        deviceId: body.deviceId,
        csrPem: body.csr,
      });
      const device = await deps.store.upsertDevice(
        { deviceId: body.deviceId, certificateId: provisioned.certificateId },
        deps.clock.now().getTime(),
      );
      // The camera's video stream; a failure here does not undo the provisioning (retry with
      // POST /v1/devices/{id}/video/stream).
      const video = await deps.services.video?.ensureStream(body.deviceId).catch((err: unknown) => {
        deps.logger.warn({ err, deviceId: body.deviceId }, 'creating the video stream failed');
        return null;
      });
      return reply.code(201).send({
        device: deviceView(device),
        certificatePem: provisioned.certificatePem,
        certificateArn: provisioned.certificateArn,
        videoStream: video ? video.streamName : null,
      });
    },
  );

  app.get(
    '/devices/:id',
    {
      schema: {
        summary: 'One device: own devices only (the operator sees all); others are NOT_FOUND.',
        tags: ['devices'],
        security: bearerSecurity,
        params: zodSchema(deviceParams),
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id } = request.params as z.infer<typeof deviceParams>;
      assertDeviceId(id);
      const owner = await deps.store.findDeviceOwner(id);
      const visible = principal.kind === 'operator' || owner?.userId === principal.userId;
      const device = visible ? await deps.store.findDevice(id) : undefined;
      if (device === undefined) throw new CamlinkError('NOT_FOUND', `no device ${id}`);
      const [view] = await deviceStatusViews(statusDeps, [device]);
      return {
        device: view ?? deviceView(device),
        pairedAt: owner === undefined ? null : new Date(owner.pairedAt).toISOString(),
        ...(principal.kind === 'operator' ? { ownerUserId: owner?.userId ?? null } : {}),
      };
    },
  );
}
