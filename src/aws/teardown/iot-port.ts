/** The IoT side of teardown over @aws-sdk/client-iot (AWS, or the embedded IoT API). */
import {
  DeleteCACertificateCommand,
  DeleteCertificateCommand,
  DeleteThingCommand,
  DescribeCACertificateCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  ListAttachedPoliciesCommand,
  ListCertificatesByCACommand,
  ListPrincipalThingsCommand,
  ListThingPrincipalsCommand,
  UpdateCACertificateCommand,
  UpdateCertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { hasErrorName } from '../service-error.js';
import type { IotPort } from './ports.js';

const PAGE = 250;

export function sdkIotPort(iot: IoTClient): IotPort {
  return {
    async caStatus(certificateId) {
      try {
        const out = await iot.send(new DescribeCACertificateCommand({ certificateId }));
        return out.certificateDescription?.status ?? 'UNKNOWN';
      } catch (err) {
        if (hasErrorName(err, 'ResourceNotFoundException')) return undefined;
        throw err;
      }
    },
    async listCertificatesByCa(caCertificateId, marker) {
      const out = await iot.send(
        new ListCertificatesByCACommand({ caCertificateId, pageSize: PAGE, ascendingOrder: true, marker }),
      );
      return {
        items: (out.certificates ?? []).map((c) => ({
          certificateId: c.certificateId ?? '',
          certificateArn: c.certificateArn ?? '',
          status: c.status ?? 'UNKNOWN',
        })),
        next: out.nextMarker || undefined,
      };
    },
    async listPrincipalThings(principal, nextToken) {
      const out = await iot.send(new ListPrincipalThingsCommand({ principal, maxResults: PAGE, nextToken }));
      return { items: out.things ?? [], next: out.nextToken || undefined };
    },
    async listThingPrincipals(thingName, nextToken) {
      const out = await iot.send(new ListThingPrincipalsCommand({ thingName, maxResults: PAGE, nextToken }));
      return { items: out.principals ?? [], next: out.nextToken || undefined };
    },
    async listAttachedPolicies(target, marker) {
      const out = await iot.send(
        new ListAttachedPoliciesCommand({ target, recursive: false, pageSize: PAGE, marker }),
      );
      return {
        items: (out.policies ?? []).map((p) => p.policyName ?? ''),
        next: out.nextMarker || undefined,
      };
    },
    async detachThingPrincipal(thingName, principal) {
      await iot.send(new DetachThingPrincipalCommand({ thingName, principal }));
    },
    async detachPolicy(policyName, target) {
      await iot.send(new DetachPolicyCommand({ policyName, target }));
    },
    async updateCertificate(certificateId, newStatus) {
      await iot.send(new UpdateCertificateCommand({ certificateId, newStatus }));
    },
    async deleteCertificate(certificateId) {
      await iot.send(new DeleteCertificateCommand({ certificateId }));
    },
    async deleteThing(thingName) {
      await iot.send(new DeleteThingCommand({ thingName }));
    },
    async updateCaCertificate(certificateId, newStatus) {
      await iot.send(new UpdateCACertificateCommand({ certificateId, newStatus }));
    },
    async deleteCaCertificate(certificateId) {
      await iot.send(new DeleteCACertificateCommand({ certificateId }));
    },
  };
}
