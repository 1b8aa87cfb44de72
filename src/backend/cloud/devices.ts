/**
 * The device directory over the AWS IoT control plane (@aws-sdk/client-iot), embedded or AWS: operator
 * provisioning from a CSR, and the certificates a pairing signature is checked against. A device's
 * certificates are the principals attached to its thing; only ACTIVE ones count. The fleet view reads
 * a device's certificate state (ACTIVE, REVOKED...) and expiry through certificateStatus.
 */
import type { IoTClient } from '@aws-sdk/client-iot';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateCertificateFromCsrCommand,
  CreateThingCommand,
  DescribeCertificateCommand,
  DescribeThingCommand,
  ListThingPrincipalsCommand,
  ResourceNotFoundException,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { DEVICE_POLICY_NAME } from '../../contracts/device-policy.js';
import { CamlinkError, isCamlinkError } from '../../errors/camlink-error.js';
import type { CertificateStatus, DeviceCertificate, DeviceDirectory, ProvisionedDevice } from './types.js';
import { upstream } from './upstream.js';

const CERT_ARN = /:cert\/([0-9a-f]{64})$/;
/** ListThingPrincipals pages read at most (AWS allows 10 principals per thing by default). */
const MAX_PRINCIPAL_PAGES = 20;

export class IotDeviceDirectory implements DeviceDirectory {
  constructor(private readonly iot: IoTClient) {}

  async provision(input: { deviceId: string; csrPem: string }): Promise<ProvisionedDevice> {
    // The thing may exist already (JITP, an earlier provisioning, attributes set by the operator):
    // CreateThing would then refuse any request that differs from the original one, so look first.
    if (!(await this.thingExists(input.deviceId))) {
      await this.call('CreateThing', () =>
        this.iot.send(new CreateThingCommand({ thingName: input.deviceId })),
      );
    }
    const created = await this.call('CreateCertificateFromCsr', () =>
      this.iot.send(
        new CreateCertificateFromCsrCommand({ certificateSigningRequest: input.csrPem, setAsActive: true }),
      ),
    );
    const { certificateArn, certificateId, certificatePem } = created;
    if (!certificateArn || !certificateId || !certificatePem) {
      throw new CamlinkError('UPSTREAM_FAILED', 'CreateCertificateFromCsr answered without the certificate');
    }
    try {
      await this.call('AttachPolicy', () =>
        this.iot.send(new AttachPolicyCommand({ policyName: DEVICE_POLICY_NAME, target: certificateArn })),
      );
      await this.call('AttachThingPrincipal', () =>
        this.iot.send(
          new AttachThingPrincipalCommand({ thingName: input.deviceId, principal: certificateArn }),
        ),
      );
    } catch (err) {
      // A certificate that is not wired to its thing must not authenticate anything.
      await this.iot
        .send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' }))
        .catch(() => undefined);
      throw err;
    }
    return { certificateId, certificateArn, certificatePem };
  }

  async activeCertificates(
    deviceId: string,
    certificateId: string | undefined,
  ): Promise<DeviceCertificate[]> {
    const ids = (await this.certificateIds(deviceId)).filter(
      (id) => certificateId === undefined || id === certificateId,
    );
    const found: DeviceCertificate[] = [];
    for (const id of ids) {
      const out = await this.call('DescribeCertificate', () =>
        this.iot.send(new DescribeCertificateCommand({ certificateId: id })),
      );
      const description = out.certificateDescription;
      if (description?.status === 'ACTIVE' && description.certificatePem) {
        found.push({ certificateId: id, pem: description.certificatePem });
      }
    }
    return found;
  }

  async certificateStatus(
    deviceId: string,
    certificateId: string | undefined,
  ): Promise<CertificateStatus | null> {
    const ids = await this.certificateIds(deviceId);
    const described: { status: CertificateStatus; created: number }[] = [];
    for (const id of ids) {
      const out = await this.call('DescribeCertificate', () =>
        this.iot.send(new DescribeCertificateCommand({ certificateId: id })),
      );
      const d = out.certificateDescription;
      const notAfter = d?.validity?.notAfter;
      described.push({
        status: {
          certificateId: id,
          status: d?.status ?? 'UNKNOWN',
          expiresAt: notAfter instanceof Date ? notAfter.toISOString() : null,
        },
        created: d?.creationDate instanceof Date ? d.creationDate.getTime() : 0,
      });
    }
    const pick =
      described.find((c) => c.status.certificateId === certificateId) ??
      described.find((c) => c.status.status === 'ACTIVE') ??
      described.sort((a, b) => b.created - a.created)[0];
    return pick?.status ?? null;
  }

  /** The ids of the certificates attached to the thing; none when there is no such thing. */
  private async certificateIds(deviceId: string): Promise<string[]> {
    const principals: string[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_PRINCIPAL_PAGES; page++) {
      try {
        const out = await this.iot.send(new ListThingPrincipalsCommand({ thingName: deviceId, nextToken }));
        principals.push(...(out.principals ?? []));
        nextToken = out.nextToken;
      } catch (err) {
        if (err instanceof ResourceNotFoundException) return [];
        throw upstream('IoT ListThingPrincipals', err);
      }
      if (!nextToken) break;
    }
    return principals.map((arn) => CERT_ARN.exec(arn)?.[1]).filter((id): id is string => id !== undefined);
  }

  private async thingExists(thingName: string): Promise<boolean> {
    try {
      await this.iot.send(new DescribeThingCommand({ thingName }));
      return true;
    } catch (err) {
      if (err instanceof ResourceNotFoundException) return false;
      throw upstream('IoT DescribeThing', err);
    }
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isCamlinkError(err)) throw err;
      const name = err instanceof Error ? err.name : '';
      // Client errors of the control plane are the caller's input (a bad CSR, a refused thing name).
      const detail = `IoT ${what}: ${err instanceof Error ? err.message : ''}`;
      if (name === 'InvalidRequestException') {
        throw new CamlinkError('VALIDATION_FAILED', detail, { cause: err });
      }
      if (name === 'ResourceAlreadyExistsException') {
        throw new CamlinkError('CONFLICT', detail, { cause: err });
      }
      throw upstream(`IoT ${what}`, err);
    }
  }
}
