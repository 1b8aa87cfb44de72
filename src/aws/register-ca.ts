/**
 * The AWS side of CA registration (developer guide register-CA-cert): DEFAULT mode proves possession of
 * the CA key with a verification certificate (CN = the account's registration code, signed by the CA);
 * SNI_ONLY sends none (several accounts may register the CA; recommended in China). The CA is set
 * ACTIVE, and unless JITP is off, auto-registration is enabled with the repository's JITP template.
 * Idempotent: a CA this account already registered is reported, not registered again.
 */
import {
  DescribeCACertificateCommand,
  GetRegistrationCodeCommand,
  RegisterCACertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { CamlinkError } from '../errors/camlink-error.js';
import { JITP_TEMPLATE_BODY } from '../contracts/jitp-template.js';
import type { OperatorCa } from './operator-ca.js';
import { hasErrorName, toCamlinkError } from './service-error.js';

export type CaRegistrationMode = 'DEFAULT' | 'SNI_ONLY';

export interface RegisterCaInput {
  readonly ca: OperatorCa;
  readonly mode: CaRegistrationMode;
  /** The JITP provisioning role; undefined: no auto-registration and no template. */
  readonly jitpRoleArn: string | undefined;
  /** Issues the verification certificate for a registration code (DEFAULT mode); returns its PEM. */
  verificationCertificate(registrationCode: string): Promise<string>;
}

export interface CaRegistration {
  readonly outcome: 'registered' | 'already-registered';
  readonly certificateId: string;
  readonly certificateArn: string;
  readonly status: string;
  readonly certificateMode: string;
  readonly autoRegistrationStatus: string;
  readonly jitpTemplate: boolean;
}

export async function registerCa(iot: IoTClient, input: RegisterCaInput): Promise<CaRegistration> {
  const existing = await describeCa(iot, input.ca.certificateId);
  if (existing !== undefined) return { ...existing, outcome: 'already-registered' };
  let verificationCertificate: string | undefined;
  if (input.mode === 'DEFAULT') {
    const code = await call('GetRegistrationCode', () => iot.send(new GetRegistrationCodeCommand({})));
    if (code.registrationCode === undefined) {
      throw new CamlinkError('UPSTREAM_FAILED', 'GetRegistrationCode answered without a registrationCode');
    }
    verificationCertificate = await input.verificationCertificate(code.registrationCode);
  }
  try {
    await iot.send(
      new RegisterCACertificateCommand({
        caCertificate: input.ca.pem,
        ...(verificationCertificate === undefined
          ? { certificateMode: 'SNI_ONLY' }
          : { verificationCertificate, certificateMode: 'DEFAULT' }),
        setAsActive: true,
        allowAutoRegistration: input.jitpRoleArn !== undefined,
        ...(input.jitpRoleArn === undefined
          ? {}
          : { registrationConfig: { templateBody: JITP_TEMPLATE_BODY, roleArn: input.jitpRoleArn } }),
      }),
    );
  } catch (err) {
    if (!hasErrorName(err, 'ResourceAlreadyExistsException'))
      throw toCamlinkError('RegisterCACertificate', err);
    // Registered meanwhile by this account, or (DEFAULT mode) by another account in this region.
    const raced = await describeCa(iot, input.ca.certificateId);
    if (raced !== undefined) return { ...raced, outcome: 'already-registered' };
    throw new CamlinkError(
      'AWS_REQUEST_REFUSED',
      `the CA ${input.ca.certificateId} is registered in DEFAULT mode by another account in this region; ` +
        'register it with --sni-only',
      { cause: err },
    );
  }
  const registered = await describeCa(iot, input.ca.certificateId);
  if (registered === undefined) {
    throw new CamlinkError(
      'UPSTREAM_FAILED',
      'RegisterCACertificate succeeded but the CA cannot be described',
    );
  }
  return { ...registered, outcome: 'registered' };
}

async function describeCa(
  iot: IoTClient,
  certificateId: string,
): Promise<Omit<CaRegistration, 'outcome'> | undefined> {
  let answer;
  try {
    answer = await iot.send(new DescribeCACertificateCommand({ certificateId }));
  } catch (err) {
    if (hasErrorName(err, 'ResourceNotFoundException')) return undefined;
    throw toCamlinkError('DescribeCACertificate', err);
  }
  const d = answer.certificateDescription;
  return {
    certificateId,
    certificateArn: d?.certificateArn ?? '',
    status: d?.status ?? 'UNKNOWN',
    certificateMode: d?.certificateMode ?? 'UNKNOWN',
    autoRegistrationStatus: d?.autoRegistrationStatus ?? 'UNKNOWN',
    jitpTemplate: answer.registrationConfig?.templateBody !== undefined,
  };
}

async function call<T>(operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    throw toCamlinkError(operation, err);
  }
}
