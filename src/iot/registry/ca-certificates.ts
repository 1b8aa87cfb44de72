/**
 * CA certificates in the IoT registry (API reference: GetRegistrationCode, RegisterCACertificate,
 * UpdateCACertificate, DescribeCACertificate, ListCACertificates, DeleteCACertificate; developer guide
 * register-CA-cert):
 * DEFAULT mode needs a verification certificate with CN = the registration code signed by the CA; a
 * DEFAULT-mode CA is registered once; SNI_ONLY needs none. Auto-registration and the JITP template
 * (registrationConfig) live with the CA.
 */
import { randomBytes } from 'node:crypto';
import { arnOf, epochSeconds, type CaStatus, type CertificateMode, type RegistryContext } from './context.js';
import { IotApiError } from './errors.js';
import { isCaCertificate, issuedBy, parseCertificatePem } from './certificate-pem.js';
import { parseTemplate } from './jitp-template.js';

export const SAME_SUBJECT_CA_LIMIT = 10;
export const TEMPLATE_BODY_MAX_CHARS = 10_240;

export interface CaRow {
  certificate_id: string;
  pem: string;
  subject: string;
  status: CaStatus;
  mode: CertificateMode;
  auto_registration: 'ENABLE' | 'DISABLE';
  template_body: string | null;
  role_arn: string | null;
  not_before: number;
  not_after: number;
  created_at: number;
  updated_at: number;
  version: number;
}

export interface RegistrationConfig {
  templateBody?: string | undefined;
  roleArn?: string | undefined;
  templateName?: string | undefined;
}

export function registrationCode(ctx: RegistryContext): string {
  const row = ctx.db.prepare(`SELECT value FROM meta WHERE key = 'registration_code'`).get() as
    { value: string } | undefined;
  if (row) return row.value;
  const code = randomBytes(32).toString('hex');
  ctx.db.prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES ('registration_code', ?)`).run(code);
  return registrationCode(ctx);
}

export async function registerCaCertificate(
  ctx: RegistryContext,
  input: {
    caCertificate: string;
    verificationCertificate?: string | undefined;
    setAsActive?: boolean | undefined;
    allowAutoRegistration?: boolean | undefined;
    registrationConfig?: RegistrationConfig | undefined;
    certificateMode?: string | undefined;
  },
): Promise<{ certificateArn: string; certificateId: string }> {
  const ca = parseCertificatePem(input.caCertificate, 'caCertificate');
  if (!isCaCertificate(ca.cert)) {
    throw new IotApiError(
      'CertificateValidationException',
      'caCertificate is not a CA certificate (basicConstraints CA:TRUE)',
    );
  }
  const now = ctx.clock.now().getTime();
  if (ca.cert.notAfter.getTime() < now)
    throw new IotApiError('CertificateValidationException', 'caCertificate has expired');
  const mode =
    input.certificateMode ?? (input.verificationCertificate === undefined ? 'SNI_ONLY' : 'DEFAULT');
  if (mode !== 'DEFAULT' && mode !== 'SNI_ONLY') {
    throw new IotApiError('InvalidRequestException', `certificateMode must be DEFAULT or SNI_ONLY`);
  }
  if (mode === 'DEFAULT') {
    if (input.verificationCertificate === undefined) {
      throw new IotApiError('InvalidRequestException', 'DEFAULT mode requires a verificationCertificate');
    }
    const verification = parseCertificatePem(input.verificationCertificate, 'verificationCertificate');
    if (verification.commonName !== registrationCode(ctx)) {
      throw new IotApiError(
        'RegistrationCodeValidationException',
        'The verification certificate CN is not the registration code of this account',
      );
    }
    if (!(await issuedBy(verification.cert, ca.cert))) {
      throw new IotApiError(
        'CertificateValidationException',
        'The verification certificate is not signed by the CA',
      );
    }
  } else if (input.verificationCertificate !== undefined) {
    throw new IotApiError('InvalidRequestException', 'SNI_ONLY mode takes no verificationCertificate');
  }
  const template = validatedRegistrationConfig(input.registrationConfig);
  const existing = getCaRow(ctx, ca.certificateId);
  if (existing) {
    throw new IotApiError(
      'ResourceAlreadyExistsException',
      `CA certificate ${ca.certificateId} is already registered`,
    );
  }
  const sameSubject = ctx.db
    .prepare(`SELECT COUNT(*) AS n FROM ca_certificates WHERE subject = ?`)
    .get(ca.cert.subject) as { n: number };
  if (sameSubject.n >= SAME_SUBJECT_CA_LIMIT) {
    throw new IotApiError(
      'LimitExceededException',
      `${SAME_SUBJECT_CA_LIMIT} CA certificates with this subject exist`,
    );
  }
  ctx.db
    .prepare(
      `INSERT INTO ca_certificates (certificate_id, pem, subject, status, mode, auto_registration, template_body,
         role_arn, not_before, not_after, created_at, updated_at, version)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
    )
    .run(
      ca.certificateId,
      ca.pem,
      ca.cert.subject,
      input.setAsActive === true ? 'ACTIVE' : 'INACTIVE',
      mode,
      input.allowAutoRegistration === true ? 'ENABLE' : 'DISABLE',
      template?.templateBody ?? null,
      template?.roleArn ?? null,
      ca.cert.notBefore.getTime(),
      ca.cert.notAfter.getTime(),
      now,
      now,
    );
  ctx.events.emit('ca-changed', ca.certificateId);
  return { certificateArn: arnOf(ctx, 'cacert', ca.certificateId), certificateId: ca.certificateId };
}

export function updateCaCertificate(
  ctx: RegistryContext,
  certificateId: string,
  input: {
    newStatus?: string | undefined;
    newAutoRegistrationStatus?: string | undefined;
    registrationConfig?: RegistrationConfig | undefined;
    removeAutoRegistration?: boolean | undefined;
  },
): void {
  const row = requireCa(ctx, certificateId);
  if (input.newStatus !== undefined && input.newStatus !== 'ACTIVE' && input.newStatus !== 'INACTIVE') {
    throw new IotApiError('InvalidRequestException', 'newStatus must be ACTIVE or INACTIVE');
  }
  const auto = input.newAutoRegistrationStatus;
  if (auto !== undefined && auto !== 'ENABLE' && auto !== 'DISABLE') {
    throw new IotApiError('InvalidRequestException', 'newAutoRegistrationStatus must be ENABLE or DISABLE');
  }
  const template = input.removeAutoRegistration
    ? { templateBody: undefined, roleArn: undefined }
    : (validatedRegistrationConfig(input.registrationConfig) ?? {
        templateBody: row.template_body ?? undefined,
        roleArn: row.role_arn ?? undefined,
      });
  ctx.db
    .prepare(
      `UPDATE ca_certificates SET status = ?, auto_registration = ?, template_body = ?, role_arn = ?,
         updated_at = ?, version = version + 1 WHERE certificate_id = ?`,
    )
    .run(
      input.newStatus ?? row.status,
      input.removeAutoRegistration ? 'DISABLE' : (auto ?? row.auto_registration),
      template.templateBody ?? null,
      template.roleArn ?? null,
      ctx.clock.now().getTime(),
      certificateId,
    );
  ctx.events.emit('ca-changed', certificateId);
}

export function describeCaCertificate(ctx: RegistryContext, certificateId: string) {
  const row = requireCa(ctx, certificateId);
  return {
    certificateDescription: {
      certificateArn: arnOf(ctx, 'cacert', row.certificate_id),
      certificateId: row.certificate_id,
      status: row.status,
      certificatePem: row.pem,
      ownedBy: ctx.scope.account,
      creationDate: epochSeconds(row.created_at),
      lastModifiedDate: epochSeconds(row.updated_at),
      autoRegistrationStatus: row.auto_registration,
      customerVersion: row.version,
      generationId: `${row.certificate_id.slice(0, 8)}-${row.version}`,
      validity: { notBefore: epochSeconds(row.not_before), notAfter: epochSeconds(row.not_after) },
      certificateMode: row.mode,
    },
    ...(row.template_body
      ? {
          registrationConfig: {
            templateBody: row.template_body,
            ...(row.role_arn ? { roleArn: row.role_arn } : {}),
          },
        }
      : {}),
  };
}

export function listCaCertificates(
  ctx: RegistryContext,
  input: { pageSize?: number | undefined; marker?: string | undefined; ascendingOrder?: boolean | undefined },
) {
  const pageSize = input.pageSize ?? 25;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 250) {
    throw new IotApiError('InvalidRequestException', 'pageSize must be 1-250');
  }
  const offset = decodeMarker(input.marker);
  const order = input.ascendingOrder === false ? 'DESC' : 'ASC';
  const rows = ctx.db
    .prepare(`SELECT * FROM ca_certificates ORDER BY created_at ${order}, certificate_id LIMIT ? OFFSET ?`)
    .all(pageSize + 1, offset) as CaRow[];
  const page = rows.slice(0, pageSize);
  return {
    certificates: page.map((row) => ({
      certificateArn: arnOf(ctx, 'cacert', row.certificate_id),
      certificateId: row.certificate_id,
      status: row.status,
      creationDate: epochSeconds(row.created_at),
    })),
    ...(rows.length > pageSize ? { nextMarker: String(offset + pageSize) } : {}),
  };
}

/**
 * DeleteCACertificate: only an INACTIVE CA (CertificateStateException otherwise). Device certificates
 * registered with it stay in the registry and can no longer connect (their CA is not ACTIVE).
 */
export function deleteCaCertificate(ctx: RegistryContext, certificateId: string): void {
  const row = requireCa(ctx, certificateId);
  if (row.status !== 'INACTIVE') {
    throw new IotApiError(
      'CertificateStateException',
      `CA certificate ${certificateId} is ${row.status}; set it INACTIVE first`,
    );
  }
  ctx.db.prepare(`DELETE FROM ca_certificates WHERE certificate_id = ?`).run(certificateId);
  ctx.events.emit('ca-changed', certificateId);
}

export function getCaRow(ctx: RegistryContext, certificateId: string): CaRow | undefined {
  return ctx.db.prepare(`SELECT * FROM ca_certificates WHERE certificate_id = ?`).get(certificateId) as
    CaRow | undefined;
}

export function activeCaRows(ctx: RegistryContext): CaRow[] {
  return ctx.db.prepare(`SELECT * FROM ca_certificates WHERE status = 'ACTIVE'`).all() as CaRow[];
}

function requireCa(ctx: RegistryContext, certificateId: string): CaRow {
  const row = getCaRow(ctx, certificateId);
  if (row === undefined)
    throw new IotApiError('ResourceNotFoundException', `CA certificate ${certificateId} does not exist`);
  return row;
}

function validatedRegistrationConfig(config: RegistrationConfig | undefined): RegistrationConfig | undefined {
  if (config === undefined) return undefined;
  if (config.templateName !== undefined) {
    throw new IotApiError(
      'InvalidRequestException',
      'templateName (provisioning templates) is not supported; use templateBody',
    );
  }
  if (config.templateBody === undefined) return undefined;
  if (config.templateBody.length > TEMPLATE_BODY_MAX_CHARS) {
    throw new IotApiError(
      'InvalidRequestException',
      `templateBody is over ${TEMPLATE_BODY_MAX_CHARS} characters`,
    );
  }
  if (config.roleArn === undefined || !/^arn:aws(-cn)?:iam::\d{12}:role\/.+$/.test(config.roleArn)) {
    throw new IotApiError('InvalidRequestException', 'registrationConfig.roleArn must be an IAM role ARN');
  }
  parseTemplate(config.templateBody);
  return { templateBody: config.templateBody, roleArn: config.roleArn };
}

export function decodeMarker(marker: string | undefined): number {
  if (marker === undefined || marker === '') return 0;
  const n = Number(marker);
  if (!Number.isInteger(n) || n < 0) throw new IotApiError('InvalidRequestException', 'invalid marker');
  return n;
}
