/**
 * The configuration `camlink up` runs with in a rehearsal of one target: the cloud's partition, region and
 * account, the public PKI presented under the cloud names (tls.*), storage accepting the S3 (and COS)
 * virtual hosts, STS with sessions capped at ~90 s so every rehearsal crosses an expiry, every listener
 * on a free port. The keys of parts merged later (IAM, a fresh cloud account) are added only when the
 * config schema knows them: `rehearsalSections` is the one place to adjust at a merge.
 */
import { configSchema, type ConfigInput } from '../../config/schema.js';
import { cloudNames, kvsDataEndpoint, type CloudTarget } from '../names.js';
import type { PublicPkiFiles } from '../pki.js';

/** Sessions end this soon (AWS: never under 900 s): the backend's STS session expires mid-rehearsal. */
export const REHEARSAL_SESSION_SECONDS = 90;

/** Sections of parts that may not be on this branch yet: included when the schema has the key. */
export function rehearsalSections(
  known: ReadonlySet<string> = new Set(Object.keys(configSchema.shape)),
): ConfigInput {
  const sections: Record<string, unknown> = {};
  // A fresh cloud account: `camlink up` creates nothing the stack or the manual creates.
  if (known.has('cloudAccount')) sections.cloudAccount = { enabled: true };
  // The IAM-compatible service: the stack's roles become STS roles.
  if (known.has('iam')) sections.iam = { enabled: true };
  return sections;
}

export function rehearsalPlatformConfig(
  target: CloudTarget,
  files: PublicPkiFiles,
  known?: ReadonlySet<string>,
): ConfigInput {
  const names = cloudNames(target);
  return {
    iot: { partition: target.partition, region: target.region, accountId: target.account },
    storage: {
      partition: target.partition,
      region: target.region,
      virtualHostDomains: [
        'localhost',
        names.s3VirtualHostDomain,
        ...(names.cos ? [names.cos.virtualHostDomain] : []),
      ],
    },
    tls: {
      services: { certFile: files.publicServerCert, keyFile: files.publicServerKey },
      iotData: { certFile: files.atsServerCert, keyFile: files.atsServerKey },
      advertise: {
        iotData: names.iotData,
        iotCredentials: names.iotCredentials,
        sqsUrl: `https://${names.sqs}`,
        kvsDataEndpoint: kvsDataEndpoint(target, 's-1a2b3c4d'),
      },
    },
    sts: { enabled: true, maxSessionSeconds: REHEARSAL_SESSION_SECONDS, roles: [] },
    ...rehearsalSections(known),
  };
}
