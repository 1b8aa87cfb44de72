/**
 * IoT policies in the registry (API reference: CreatePolicy, GetPolicy, AttachPolicy, DetachPolicy,
 * ListAttachedPolicies, ListTargetsForPolicy, DeletePolicy). Documents are validated by the same parser
 * the endpoint evaluates with, so a policy that is stored can be enforced. Targets are certificate ARNs.
 * The registry keeps only a policy's default version (a new version replaces it), so a policy never has
 * the non-default versions that would also block DeletePolicy on AWS.
 */
import { parsePolicyDocument, POLICY_NAME } from '../policy/document.js';
import { isCamlinkError } from '../../errors/camlink-error.js';
import { arnOf, epochSeconds, type RegistryContext } from './context.js';
import { IotApiError } from './errors.js';
import { certificateIdOfArn } from './things.js';
import { decodeMarker } from './ca-certificates.js';

interface PolicyRow {
  policy_name: string;
  document: string;
  version_id: string;
  created_at: number;
  updated_at: number;
}

export const POLICIES_PER_TARGET = 10;

export function createPolicy(ctx: RegistryContext, policyName: string, policyDocument: string) {
  if (!POLICY_NAME.test(policyName))
    throw new IotApiError('InvalidRequestException', `policy name "${policyName}" is not valid`);
  try {
    parsePolicyDocument(policyName, policyDocument);
  } catch (err) {
    if (isCamlinkError(err, 'POLICY_INVALID')) throw new IotApiError('InvalidRequestException', err.message);
    throw err;
  }
  if (getPolicyRow(ctx, policyName))
    throw new IotApiError('ResourceAlreadyExistsException', `policy ${policyName} already exists`);
  const now = ctx.clock.now().getTime();
  ctx.db
    .prepare(
      `INSERT INTO policies (policy_name, document, version_id, created_at, updated_at) VALUES (?, ?, '1', ?, ?)`,
    )
    .run(policyName, policyDocument, now, now);
  return { policyName, policyArn: arnOf(ctx, 'policy', policyName), policyDocument, policyVersionId: '1' };
}

function getPolicyRow(ctx: RegistryContext, policyName: string): PolicyRow | undefined {
  return ctx.db.prepare(`SELECT * FROM policies WHERE policy_name = ?`).get(policyName) as
    PolicyRow | undefined;
}

export function getPolicy(ctx: RegistryContext, policyName: string) {
  const row = getPolicyRow(ctx, policyName);
  if (row === undefined)
    throw new IotApiError('ResourceNotFoundException', `policy ${policyName} does not exist`);
  return {
    policyName,
    policyArn: arnOf(ctx, 'policy', policyName),
    policyDocument: row.document,
    defaultVersionId: row.version_id,
    creationDate: epochSeconds(row.created_at),
    lastModifiedDate: epochSeconds(row.updated_at),
    generationId: `${policyName}-${row.version_id}`,
  };
}

export function attachPolicy(ctx: RegistryContext, policyName: string, target: string): void {
  getPolicy(ctx, policyName);
  const certificateId = certificateIdOfArn(ctx, target);
  if (
    ctx.db.prepare(`SELECT 1 FROM certificates WHERE certificate_id = ?`).get(certificateId) === undefined
  ) {
    throw new IotApiError('ResourceNotFoundException', `target ${target} does not exist`);
  }
  const count = ctx.db.prepare(`SELECT COUNT(*) AS n FROM policy_targets WHERE target = ?`).get(target) as {
    n: number;
  };
  const already = ctx.db
    .prepare(`SELECT 1 FROM policy_targets WHERE policy_name = ? AND target = ?`)
    .get(policyName, target);
  if (already === undefined && count.n >= POLICIES_PER_TARGET) {
    throw new IotApiError(
      'LimitExceededException',
      `at most ${POLICIES_PER_TARGET} policies per certificate`,
    );
  }
  ctx.db
    .prepare(`INSERT OR IGNORE INTO policy_targets (policy_name, target) VALUES (?, ?)`)
    .run(policyName, target);
}

/** DetachPolicy: the policy must exist; detaching from a target it is not attached to succeeds. */
export function detachPolicy(ctx: RegistryContext, policyName: string, target: string): void {
  getPolicy(ctx, policyName);
  certificateIdOfArn(ctx, target);
  ctx.db.prepare(`DELETE FROM policy_targets WHERE policy_name = ? AND target = ?`).run(policyName, target);
}

/** ListTargetsForPolicy: the certificate ARNs a policy is attached to, paged by pageSize (1-250). */
export function listTargetsForPolicy(
  ctx: RegistryContext,
  policyName: string,
  input: { pageSize?: number | undefined; marker?: string | undefined },
) {
  getPolicy(ctx, policyName);
  const pageSize = input.pageSize ?? 25;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 250)
    throw new IotApiError('InvalidRequestException', 'pageSize must be 1-250');
  const offset = decodeMarker(input.marker);
  const rows = ctx.db
    .prepare(`SELECT target FROM policy_targets WHERE policy_name = ? ORDER BY target LIMIT ? OFFSET ?`)
    .all(policyName, pageSize + 1, offset) as { target: string }[];
  return {
    targets: rows.slice(0, pageSize).map((r) => r.target),
    ...(rows.length > pageSize ? { nextMarker: String(offset + pageSize) } : {}),
  };
}

/** DeletePolicy: refused with DeleteConflictException while the policy is attached to any certificate. */
export function deletePolicy(ctx: RegistryContext, policyName: string): void {
  getPolicy(ctx, policyName);
  const attached = ctx.db
    .prepare(`SELECT COUNT(*) AS n FROM policy_targets WHERE policy_name = ?`)
    .get(policyName) as { n: number };
  if (attached.n > 0) {
    throw new IotApiError(
      'DeleteConflictException',
      `policy ${policyName} is attached to ${attached.n} target(s); detach it first`,
    );
  }
  ctx.db.prepare(`DELETE FROM policies WHERE policy_name = ?`).run(policyName);
}

export function listAttachedPolicies(
  ctx: RegistryContext,
  target: string,
  input: { pageSize?: number | undefined; marker?: string | undefined },
) {
  const pageSize = input.pageSize ?? 25;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 250)
    throw new IotApiError('InvalidRequestException', 'pageSize must be 1-250');
  const offset = decodeMarker(input.marker);
  const rows = ctx.db
    .prepare(`SELECT policy_name FROM policy_targets WHERE target = ? ORDER BY policy_name LIMIT ? OFFSET ?`)
    .all(target, pageSize + 1, offset) as { policy_name: string }[];
  return {
    policies: rows
      .slice(0, pageSize)
      .map((r) => ({ policyName: r.policy_name, policyArn: arnOf(ctx, 'policy', r.policy_name) })),
    ...(rows.length > pageSize ? { nextMarker: String(offset + pageSize) } : {}),
  };
}

/** The policies attached to a target (name, version, document), for the endpoint. */
export function attachedPolicies(
  ctx: RegistryContext,
  target: string,
): { policy_name: string; version_id: string; document: string }[] {
  return ctx.db
    .prepare(
      `SELECT p.policy_name, p.version_id, p.document FROM policy_targets t
       JOIN policies p ON p.policy_name = t.policy_name WHERE t.target = ? ORDER BY p.policy_name`,
    )
    .all(target) as { policy_name: string; version_id: string; document: string }[];
}

/**
 * A new default version of a policy (CreatePolicyVersion with setAsDefault): the platform brings its
 * own policies up to date this way when the repository's contract gains a statement.
 */
export function replacePolicyDocument(ctx: RegistryContext, policyName: string, policyDocument: string) {
  const row = getPolicyRow(ctx, policyName);
  if (row === undefined)
    throw new IotApiError('ResourceNotFoundException', `policy ${policyName} does not exist`);
  try {
    parsePolicyDocument(policyName, policyDocument);
  } catch (err) {
    if (isCamlinkError(err, 'POLICY_INVALID')) throw new IotApiError('InvalidRequestException', err.message);
    throw err;
  }
  const versionId = String(Number(row.version_id) + 1);
  ctx.db
    .prepare(`UPDATE policies SET document = ?, version_id = ?, updated_at = ? WHERE policy_name = ?`)
    .run(policyDocument, versionId, ctx.clock.now().getTime(), policyName);
  return { policyArn: arnOf(ctx, 'policy', policyName), policyVersionId: versionId, isDefaultVersion: true };
}
