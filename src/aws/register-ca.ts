/**
 * The AWS side of CA registration (developer guide register-CA-cert): DEFAULT mode proves possession of
 * the CA key with a verification certificate (CN = the account's registration code, signed by the CA);
 * SNI_ONLY sends none (several accounts may register the CA; recommended in China). The CA is set
 * ACTIVE, and unless JITP is off, auto-registration is enabled with the repository's JITP template.
 * Idempotent: a CA this account already registered as asked is reported, not registered again. One
 * registered otherwise (INACTIVE, auto-registration off or on, another template or JITP role, another
 * certificate mode) is refused with AWS_CA_DIFFERENT naming each difference; with `update`,
 * UpdateCACertificate sets status, auto-registration and registrationConfig as asked. The certificate
 * mode cannot change (UpdateCACertificate has no such field): that is refused even with `update`.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  DescribeCACertificateCommand,
  GetRegistrationCodeCommand,
  RegisterCACertificateCommand,
  UpdateCACertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { CamlinkError } from '../errors/camlink-error.js';
import { JITP_TEMPLATE, JITP_TEMPLATE_BODY } from '../contracts/jitp-template.js';
import type { OperatorCa } from './operator-ca.js';
import { hasErrorName, toCamlinkError } from './service-error.js';

export type CaRegistrationMode = 'DEFAULT' | 'SNI_ONLY';

export interface RegisterCaInput {
  readonly ca: OperatorCa;
  readonly mode: CaRegistrationMode;
  /** The JITP provisioning role; undefined: no auto-registration and no template. */
  readonly jitpRoleArn: string | undefined;
  /** A CA registered otherwise than asked: make it so with UpdateCACertificate (not the mode). */
  readonly update?: boolean;
  /** Issues the verification certificate for a registration code (DEFAULT mode); returns its PEM. */
  verificationCertificate(registrationCode: string): Promise<string>;
}

export interface CaRegistration {
  readonly outcome: 'registered' | 'already-registered' | 'updated';
  readonly certificateId: string;
  readonly certificateArn: string;
  readonly status: string;
  readonly certificateMode: string;
  readonly autoRegistrationStatus: string;
  readonly jitpTemplate: boolean;
  /** The JITP role of the registration config, when there is one. */
  readonly jitpRoleArn: string | undefined;
}

type Described = Omit<CaRegistration, 'outcome'> & { readonly templateBody: string | undefined };

export async function registerCa(iot: IoTClient, input: RegisterCaInput): Promise<CaRegistration> {
  const existing = await describeCa(iot, input.ca.certificateId);
  if (existing !== undefined) return reconcile(iot, input, existing);
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
    if (raced !== undefined) return reconcile(iot, input, raced);
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
  return { ...withoutTemplate(registered), outcome: 'registered' };
}

/** What differs between the registered CA and the request, as "<what> is X, asked Y" phrases. */
export function caDifferences(
  input: Pick<RegisterCaInput, 'mode' | 'jitpRoleArn'>,
  d: Described,
): { fixable: string[]; mode: string | undefined } {
  const fixable: string[] = [];
  if (d.status !== 'ACTIVE') fixable.push(`status is ${d.status}, asked ACTIVE`);
  if (input.jitpRoleArn === undefined) {
    if (d.autoRegistrationStatus === 'ENABLE')
      fixable.push('auto-registration (JITP) is enabled, asked --no-jitp');
  } else {
    if (d.autoRegistrationStatus !== 'ENABLE') {
      fixable.push(`auto-registration is ${d.autoRegistrationStatus}, asked ENABLE (JITP)`);
    }
    if (d.templateBody === undefined) fixable.push('no JITP template, asked the repository template');
    else if (!isDeepStrictEqual(parseJson(d.templateBody), JITP_TEMPLATE)) {
      fixable.push("the JITP template is not the repository's");
    }
    if (d.jitpRoleArn !== input.jitpRoleArn) {
      fixable.push(`the JITP role is ${d.jitpRoleArn ?? 'none'}, asked ${input.jitpRoleArn}`);
    }
  }
  const mode =
    d.certificateMode === input.mode
      ? undefined
      : `certificate mode is ${d.certificateMode}, asked ${input.mode}`;
  return { fixable, mode };
}

async function reconcile(iot: IoTClient, input: RegisterCaInput, d: Described): Promise<CaRegistration> {
  const { fixable, mode } = caDifferences(input, d);
  if (fixable.length === 0 && mode === undefined)
    return { ...withoutTemplate(d), outcome: 'already-registered' };
  const id = `${input.ca.certificateId.slice(0, 12)}…`;
  if (mode !== undefined) {
    throw new CamlinkError(
      'AWS_CA_DIFFERENT',
      `CA ${id} is registered with other settings: ${[mode, ...fixable].join('; ')}. The certificate mode ` +
        'cannot change: run again with the registered mode' +
        (d.certificateMode === 'SNI_ONLY' ? ' (--sni-only)' : ' (without --sni-only)') +
        ', or deregister the CA (aws iot update-ca-certificate --new-status INACTIVE, then ' +
        'delete-ca-certificate) and register it again',
    );
  }
  if (input.update !== true) {
    throw new CamlinkError(
      'AWS_CA_DIFFERENT',
      `CA ${id} is registered with other settings: ${fixable.join('; ')}; pass --update to set them ` +
        '(UpdateCACertificate), or run with the registered settings',
    );
  }
  await call('UpdateCACertificate', () =>
    iot.send(
      new UpdateCACertificateCommand({
        certificateId: input.ca.certificateId,
        newStatus: 'ACTIVE',
        ...(input.jitpRoleArn === undefined
          ? { newAutoRegistrationStatus: 'DISABLE' }
          : {
              newAutoRegistrationStatus: 'ENABLE',
              registrationConfig: { templateBody: JITP_TEMPLATE_BODY, roleArn: input.jitpRoleArn },
            }),
      }),
    ),
  );
  const updated = await describeCa(iot, input.ca.certificateId);
  if (updated === undefined) {
    throw new CamlinkError('UPSTREAM_FAILED', 'UpdateCACertificate succeeded but the CA cannot be described');
  }
  const left = caDifferences(input, updated).fixable;
  if (left.length > 0) {
    throw new CamlinkError(
      'UPSTREAM_FAILED',
      `UpdateCACertificate left the CA different: ${left.join('; ')}`,
    );
  }
  return { ...withoutTemplate(updated), outcome: 'updated' };
}

function withoutTemplate(d: Described): Omit<CaRegistration, 'outcome'> {
  return {
    certificateId: d.certificateId,
    certificateArn: d.certificateArn,
    status: d.status,
    certificateMode: d.certificateMode,
    autoRegistrationStatus: d.autoRegistrationStatus,
    jitpTemplate: d.jitpTemplate,
    jitpRoleArn: d.jitpRoleArn,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function describeCa(iot: IoTClient, certificateId: string): Promise<Described | undefined> {
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
    jitpRoleArn: answer.registrationConfig?.roleArn,
    templateBody: answer.registrationConfig?.templateBody,
  };
}

async function call<T>(operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    throw toCamlinkError(operation, err);
  }
}
