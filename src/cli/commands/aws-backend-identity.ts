/**
 * `camlink aws backend-identity`: the backend's MQTT identity on AWS IoT (or the embedded platform) in
 * one idempotent command, instead of four `aws iot ...` calls (docs/deploy.md step 3). The certificate
 * is issued by the operator CA into DATA_DIR/devices (as `camlink device create camlink-backend`; an
 * existing one is reused), registered with the CA as ACTIVE, the thing camlink-backend created, the
 * certificate attached to it and the stack's policy camlink-backend attached to the certificate. The
 * pool's other client ids (camlink-backend-2, ...) need nothing: the policy allows them.
 */
import { join } from 'node:path';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateThingCommand,
  DescribeCertificateCommand,
  DescribeThingCommand,
  RegisterCertificateCommand,
  UpdateCertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { readOperatorCa } from '../../aws/operator-ca.js';
import { createAwsClients } from '../../aws/clients.js';
import { hasErrorName, toCamlinkError } from '../../aws/service-error.js';
import { BACKEND_POLICY_NAME, BACKEND_THING_NAME } from '../../contracts/backend-policy.js';
import { CamlinkError } from '../../errors/camlink-error.js';
import { certificateId } from '../../pki/ca.js';
import type { PkiContext } from '../../pki/context.js';
import { createDevice, defaultDeviceOutDir } from '../../pki/device.js';
import { x509 } from '../../pki/x509.js';
import { fileExists, readInputFile } from '../../util/atomic-file.js';
import { defineCommand } from '../command.js';
import { jsonOption, printResult } from '../output.js';
import { contextOf } from './pki-options.js';
import { awsTargetOptions, resolveAwsTarget } from './aws-target.js';

const CERT_MAX_BYTES = 64 * 1024;

export interface BackendCertificate {
  readonly certPath: string;
  readonly keyPath: string;
  readonly pem: string;
  readonly certificateId: string;
  readonly issued: boolean;
}

/** DATA_DIR/devices/camlink-backend.{cert,key}.pem: reused when both exist, issued when neither does. */
export async function ensureBackendCertificate(
  pki: PkiContext,
  dataDir: string,
): Promise<BackendCertificate> {
  const outDir = defaultDeviceOutDir(dataDir);
  const certPath = join(outDir, `${BACKEND_THING_NAME}.cert.pem`);
  const keyPath = join(outDir, `${BACKEND_THING_NAME}.key.pem`);
  const present = [await fileExists(certPath), await fileExists(keyPath)];
  let issued = false;
  if (present[0] !== present[1]) {
    throw new CamlinkError(
      'FILE_EXISTS',
      `only one of ${certPath} and ${keyPath} exists; restore the other or remove it to issue a new identity`,
    );
  }
  if (!present[0]) {
    // The backend's thing name is fixed; the operator's device-id pattern is for cameras.
    const unrestricted = { ...pki, config: { ...pki.config, deviceIdPattern: `^${BACKEND_THING_NAME}$` } };
    await createDevice(unrestricted, BACKEND_THING_NAME, { outDir, force: false });
    issued = true;
  }
  const text = (await readInputFile(certPath, CERT_MAX_BYTES, "the backend's certificate")).toString('utf8');
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(text);
  } catch (err) {
    throw new CamlinkError('PKI_PEM_MALFORMED', `${certPath} is not a certificate`, { cause: err });
  }
  return { certPath, keyPath, pem: cert.toString('pem'), certificateId: certificateId(cert), issued };
}

type Outcome = 'created' | 'existing' | 'activated';

async function call<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toCamlinkError(operation, err);
  }
}

/** RegisterCertificate with the CA, ACTIVE; an already registered one is described (and set ACTIVE). */
async function registerBackendCertificate(
  iot: IoTClient,
  cert: BackendCertificate,
  caPem: string,
): Promise<{ arn: string; outcome: Outcome }> {
  try {
    const answer = await iot.send(
      new RegisterCertificateCommand({
        certificatePem: cert.pem,
        caCertificatePem: caPem,
        setAsActive: true,
      }),
    );
    if (!answer.certificateArn) {
      throw new CamlinkError('UPSTREAM_FAILED', 'RegisterCertificate answered no certificateArn');
    }
    return { arn: answer.certificateArn, outcome: 'created' };
  } catch (err) {
    if (!hasErrorName(err, 'ResourceAlreadyExistsException'))
      throw toCamlinkError('RegisterCertificate', err);
  }
  const described = await call('DescribeCertificate', () =>
    iot.send(new DescribeCertificateCommand({ certificateId: cert.certificateId })),
  );
  const arn = described.certificateDescription?.certificateArn;
  const status = described.certificateDescription?.status;
  if (!arn) throw new CamlinkError('UPSTREAM_FAILED', 'DescribeCertificate answered no certificateArn');
  if (status === 'ACTIVE') return { arn, outcome: 'existing' };
  if (status !== 'INACTIVE') {
    throw new CamlinkError(
      'AWS_REQUEST_REFUSED',
      `the backend certificate ${cert.certificateId} is ${status ?? 'in no status'}; remove ${cert.certPath} and ${cert.keyPath} to issue a new one`,
    );
  }
  await call('UpdateCertificate', () =>
    iot.send(new UpdateCertificateCommand({ certificateId: cert.certificateId, newStatus: 'ACTIVE' })),
  );
  return { arn, outcome: 'activated' };
}

async function ensureThing(iot: IoTClient): Promise<Outcome> {
  try {
    await iot.send(new DescribeThingCommand({ thingName: BACKEND_THING_NAME }));
    return 'existing';
  } catch (err) {
    if (!hasErrorName(err, 'ResourceNotFoundException')) throw toCamlinkError('DescribeThing', err);
  }
  await call('CreateThing', () => iot.send(new CreateThingCommand({ thingName: BACKEND_THING_NAME })));
  return 'created';
}

export const backendIdentityCommand = defineCommand({
  name: 'backend-identity',
  summary: "Issue and register the backend's MQTT identity (thing and policy camlink-backend); idempotent.",
  description:
    'Issues DATA_DIR/devices/camlink-backend.{cert,key}.pem from the operator CA (reuses them when\n' +
    'present), RegisterCertificate with the CA as ACTIVE, CreateThing camlink-backend,\n' +
    'AttachThingPrincipal and AttachPolicy camlink-backend (the policy the CDK stack creates; the\n' +
    "backend's pool connections camlink-backend-2... need nothing more). Run register-ca first.",
  options: { ...awsTargetOptions, json: jsonOption },
  async run(ctx) {
    const o = ctx.options;
    const { config, pki } = contextOf(ctx);
    const target = await resolveAwsTarget(o, config, ctx.io.env);
    const ca = await readOperatorCa(pki);
    const cert = await ensureBackendCertificate(pki, config.dataDir);
    const clients = createAwsClients(target);
    try {
      const { iot } = clients;
      const registered = await registerBackendCertificate(iot, cert, ca.pem);
      const thing = await ensureThing(iot);
      await call('AttachThingPrincipal', () =>
        iot.send(
          new AttachThingPrincipalCommand({ thingName: BACKEND_THING_NAME, principal: registered.arn }),
        ),
      );
      try {
        await iot.send(new AttachPolicyCommand({ policyName: BACKEND_POLICY_NAME, target: registered.arn }));
      } catch (err) {
        if (hasErrorName(err, 'ResourceNotFoundException')) {
          throw new CamlinkError(
            'AWS_REQUEST_REFUSED',
            `AttachPolicy: no policy ${BACKEND_POLICY_NAME} in ${target.region}; deploy the stack first (cdk deploy)`,
            { cause: err },
          );
        }
        throw toCamlinkError('AttachPolicy', err);
      }
      printResult(ctx.io, o.json, {
        certificate: `${cert.certPath} (${cert.issued ? 'issued' : 'existing'})`,
        key: `${cert.keyPath} (mode 0600)`,
        'certificate id': cert.certificateId,
        'certificate ARN': registered.arn,
        registration: registered.outcome,
        thing: `${BACKEND_THING_NAME} (${thing})`,
        policy: `${BACKEND_POLICY_NAME} (attached)`,
        region: target.region,
      });
    } finally {
      clients.destroy();
    }
  },
});
