/**
 * Device certificates in the IoT registry (API reference: RegisterCertificate,
 * RegisterCertificateWithoutCA, CreateCertificateFromCsr, UpdateCertificate, DescribeCertificate,
 * ListCertificatesByCA, DeleteCertificate).
 * Statuses as AWS: only ACTIVE authenticates; REVOKED is final; PENDING_TRANSFER and
 * PENDING_ACTIVATION are internal and cannot be set; REGISTER_INACTIVE is deprecated.
 */
import {
  arnOf,
  epochSeconds,
  type CertificateMode,
  type CertificateStatus,
  type RegistryContext,
} from './context.js';
import { IotApiError } from './errors.js';
import { issuedBy, parseCertificatePem, type ParsedCertificate } from './certificate-pem.js';
import type { activeCaRows } from './ca-certificates.js';
import { decodeMarker, getCaRow } from './ca-certificates.js';
import { x509 } from '../../pki/x509.js';

export interface CertificateRow {
  certificate_id: string;
  pem: string;
  ca_certificate_id: string | null;
  status: CertificateStatus;
  mode: CertificateMode;
  common_name: string | null;
  not_before: number;
  not_after: number;
  created_at: number;
  updated_at: number;
  version: number;
}

const SETTABLE = new Set(['ACTIVE', 'INACTIVE', 'REVOKED']);

export function getCertificateRow(ctx: RegistryContext, certificateId: string): CertificateRow | undefined {
  return ctx.db.prepare(`SELECT * FROM certificates WHERE certificate_id = ?`).get(certificateId) as
    CertificateRow | undefined;
}

export function requireCertificate(ctx: RegistryContext, certificateId: string): CertificateRow {
  const row = getCertificateRow(ctx, certificateId);
  if (row === undefined)
    throw new IotApiError('ResourceNotFoundException', `certificate ${certificateId} does not exist`);
  return row;
}

/** The registered CA that issued `cert`, if any (ACTIVE or not). */
export async function findIssuingCa(ctx: RegistryContext, cert: x509.X509Certificate) {
  const candidates = ctx.db
    .prepare(`SELECT * FROM ca_certificates WHERE subject = ?`)
    .all(cert.issuer) as ReturnType<typeof activeCaRows>;
  for (const row of candidates) {
    if (await issuedBy(cert, new x509.X509Certificate(row.pem))) return row;
  }
  return undefined;
}

export async function registerCertificate(
  ctx: RegistryContext,
  input: {
    certificatePem: string;
    caCertificatePem?: string | undefined;
    setAsActive?: boolean | undefined;
    status?: string | undefined;
  },
): Promise<{ certificateArn: string; certificateId: string }> {
  const parsed = parseCertificatePem(input.certificatePem, 'certificatePem');
  let caId: string;
  if (input.caCertificatePem !== undefined) {
    const ca = parseCertificatePem(input.caCertificatePem, 'caCertificatePem');
    if (getCaRow(ctx, ca.certificateId) === undefined) {
      throw new IotApiError('CertificateValidationException', 'The CA certificate is not registered');
    }
    if (!(await issuedBy(parsed.cert, ca.cert))) {
      throw new IotApiError(
        'CertificateValidationException',
        'The certificate is not signed by the given CA',
      );
    }
    caId = ca.certificateId;
  } else {
    const ca = await findIssuingCa(ctx, parsed.cert);
    if (ca === undefined) {
      throw new IotApiError(
        'CertificateValidationException',
        'The certificate is not signed by a registered CA',
      );
    }
    caId = ca.certificate_id;
  }
  const ca = getCaRow(ctx, caId);
  if (ca?.status !== 'ACTIVE') {
    throw new IotApiError('CertificateStateException', 'The CA certificate is not ACTIVE');
  }
  const status = initialStatus(input.status, input.setAsActive);
  return insertCertificate(ctx, parsed, caId, ca.mode, status);
}

export function registerCertificateWithoutCa(
  ctx: RegistryContext,
  input: { certificatePem: string; status?: string | undefined },
): { certificateArn: string; certificateId: string } {
  const parsed = parseCertificatePem(input.certificatePem, 'certificatePem');
  return insertCertificate(ctx, parsed, null, 'SNI_ONLY', initialStatus(input.status, false));
}

export function insertCertificate(
  ctx: RegistryContext,
  parsed: ParsedCertificate,
  caId: string | null,
  mode: CertificateMode,
  status: CertificateStatus,
): { certificateArn: string; certificateId: string } {
  const now = ctx.clock.now().getTime();
  if (parsed.cert.notAfter.getTime() < now) {
    throw new IotApiError('CertificateValidationException', 'The certificate has expired');
  }
  if (getCertificateRow(ctx, parsed.certificateId) !== undefined) {
    throw new IotApiError(
      'ResourceAlreadyExistsException',
      `certificate ${parsed.certificateId} is already registered`,
    );
  }
  ctx.db
    .prepare(
      `INSERT INTO certificates (certificate_id, pem, ca_certificate_id, status, mode, common_name, not_before,
         not_after, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
    )
    .run(
      parsed.certificateId,
      parsed.pem,
      caId,
      status,
      mode,
      parsed.commonName ?? null,
      parsed.cert.notBefore.getTime(),
      parsed.cert.notAfter.getTime(),
      now,
      now,
    );
  return { certificateArn: arnOf(ctx, 'cert', parsed.certificateId), certificateId: parsed.certificateId };
}

export function updateCertificate(ctx: RegistryContext, certificateId: string, newStatus: string): void {
  if (newStatus === 'PENDING_TRANSFER' || newStatus === 'PENDING_ACTIVATION') {
    throw new IotApiError('InvalidRequestException', `${newStatus} is an internal status and cannot be set`);
  }
  if (!SETTABLE.has(newStatus) && newStatus !== 'REGISTER_INACTIVE') {
    throw new IotApiError('InvalidRequestException', 'newStatus must be ACTIVE, INACTIVE or REVOKED');
  }
  const row = requireCertificate(ctx, certificateId);
  if (row.status === 'REVOKED' && newStatus !== 'REVOKED') {
    throw new IotApiError('CertificateStateException', 'A revoked certificate cannot change status');
  }
  setCertificateStatus(
    ctx,
    certificateId,
    newStatus === 'REGISTER_INACTIVE' ? 'INACTIVE' : (newStatus as CertificateStatus),
  );
}

export function setCertificateStatus(
  ctx: RegistryContext,
  certificateId: string,
  status: CertificateStatus,
): void {
  ctx.db
    .prepare(
      `UPDATE certificates SET status = ?, updated_at = ?, version = version + 1 WHERE certificate_id = ?`,
    )
    .run(status, ctx.clock.now().getTime(), certificateId);
  ctx.events.emit('certificate-status', certificateId, status);
}

export function describeCertificate(ctx: RegistryContext, certificateId: string) {
  const row = requireCertificate(ctx, certificateId);
  return {
    certificateDescription: {
      certificateArn: arnOf(ctx, 'cert', row.certificate_id),
      certificateId: row.certificate_id,
      ...(row.ca_certificate_id ? { caCertificateId: row.ca_certificate_id } : {}),
      status: row.status,
      certificatePem: row.pem,
      ownedBy: ctx.scope.account,
      creationDate: epochSeconds(row.created_at),
      lastModifiedDate: epochSeconds(row.updated_at),
      customerVersion: row.version,
      generationId: `${row.certificate_id.slice(0, 8)}-${row.version}`,
      validity: { notBefore: epochSeconds(row.not_before), notAfter: epochSeconds(row.not_after) },
      certificateMode: row.mode,
    },
  };
}

function initialStatus(status: string | undefined, setAsActive: boolean | undefined): CertificateStatus {
  if (status === undefined) return setAsActive === true ? 'ACTIVE' : 'INACTIVE';
  if (!SETTABLE.has(status) && status !== 'PENDING_TRANSFER' && status !== 'PENDING_ACTIVATION') {
    throw new IotApiError('InvalidRequestException', `status ${status} is not valid`);
  }
  return status as CertificateStatus;
}

/**
 * ListCertificatesByCA: the certificates registered with a CA, newest first unless isAscendingOrder
 * (AWS's default order is descending by creation date); pages with pageSize (1-250) and a marker.
 */
export function listCertificatesByCa(
  ctx: RegistryContext,
  caCertificateId: string,
  input: { pageSize?: number | undefined; marker?: string | undefined; ascendingOrder?: boolean | undefined },
) {
  if (getCaRow(ctx, caCertificateId) === undefined) {
    throw new IotApiError('ResourceNotFoundException', `CA certificate ${caCertificateId} does not exist`);
  }
  const pageSize = input.pageSize ?? 25;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 250)
    throw new IotApiError('InvalidRequestException', 'pageSize must be 1-250');
  const offset = decodeMarker(input.marker);
  const order = input.ascendingOrder === true ? 'ASC' : 'DESC';
  const rows = ctx.db
    .prepare(
      `SELECT * FROM certificates WHERE ca_certificate_id = ?
        ORDER BY created_at ${order}, certificate_id ${order} LIMIT ? OFFSET ?`,
    )
    .all(caCertificateId, pageSize + 1, offset) as CertificateRow[];
  return {
    certificates: rows.slice(0, pageSize).map((row) => ({
      certificateArn: arnOf(ctx, 'cert', row.certificate_id),
      certificateId: row.certificate_id,
      status: row.status,
      certificateMode: row.mode,
      creationDate: epochSeconds(row.created_at),
    })),
    ...(rows.length > pageSize ? { nextMarker: String(offset + pageSize) } : {}),
  };
}

/**
 * DeleteCertificate (API reference): refused while ACTIVE or PENDING_TRANSFER (CertificateStateException),
 * while attached to a thing (DeleteConflictException), and while policies are attached unless
 * forceDelete (which then detaches them with the certificate).
 */
export function deleteCertificate(ctx: RegistryContext, certificateId: string, forceDelete: boolean): void {
  const row = requireCertificate(ctx, certificateId);
  if (row.status === 'ACTIVE' || row.status === 'PENDING_TRANSFER') {
    throw new IotApiError(
      'CertificateStateException',
      `certificate ${certificateId} is ${row.status}; set it INACTIVE (or REVOKED) first`,
    );
  }
  const arn = arnOf(ctx, 'cert', certificateId);
  const things = ctx.db
    .prepare(`SELECT COUNT(*) AS n FROM thing_principals WHERE principal = ?`)
    .get(arn) as {
    n: number;
  };
  if (things.n > 0) {
    throw new IotApiError(
      'DeleteConflictException',
      `certificate ${certificateId} is attached to ${things.n} thing(s); detach them first`,
    );
  }
  const policies = ctx.db.prepare(`SELECT COUNT(*) AS n FROM policy_targets WHERE target = ?`).get(arn) as {
    n: number;
  };
  if (policies.n > 0 && !forceDelete) {
    throw new IotApiError(
      'DeleteConflictException',
      `certificate ${certificateId} has ${policies.n} polic${policies.n === 1 ? 'y' : 'ies'} attached; detach them first`,
    );
  }
  ctx.db.transaction(() => {
    ctx.db.prepare(`DELETE FROM policy_targets WHERE target = ?`).run(arn);
    ctx.db.prepare(`DELETE FROM certificates WHERE certificate_id = ?`).run(certificateId);
  })();
}
