/**
 * Role aliases for the IoT credentials provider (API reference: CreateRoleAlias, DescribeRoleAlias,
 * ListRoleAliases, UpdateRoleAlias, DeleteRoleAlias): a name devices use in
 * `/role-aliases/<alias>/credentials` for an IAM role, with how long the issued credentials live.
 */
import { arnOf, epochSeconds, type RegistryContext } from './context.js';
import { decodeMarker } from './ca-certificates.js';
import { IotApiError } from './errors.js';

/** AWS: [\w=,@-]+, 1-128 characters. */
export const ROLE_ALIAS_NAME = /^[\w=,@-]{1,128}$/;
const ROLE_ARN = /^arn:aws(-cn)?:iam::[0-9]{12}:role\/[\w+=,.@/-]{1,512}$/;
export const CREDENTIAL_SECONDS_MIN = 900;
export const CREDENTIAL_SECONDS_MAX = 43_200;
export const CREDENTIAL_SECONDS_DEFAULT = 3600;
/** AWS's default quota of role aliases per account and region. */
export const ROLE_ALIASES_MAX = 100;

export interface RoleAliasRow {
  role_alias: string;
  role_arn: string;
  credential_duration_seconds: number;
  created_at: number;
  updated_at: number;
}

function checkName(name: string): void {
  if (!ROLE_ALIAS_NAME.test(name))
    throw new IotApiError('InvalidRequestException', `role alias "${name}" is not valid ([\\w=,@-]{1,128})`);
}

function checkRoleArn(roleArn: string): void {
  if (!ROLE_ARN.test(roleArn))
    throw new IotApiError('InvalidRequestException', `roleArn "${roleArn}" is not an IAM role ARN`);
}

function checkDuration(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < CREDENTIAL_SECONDS_MIN || seconds > CREDENTIAL_SECONDS_MAX) {
    throw new IotApiError(
      'InvalidRequestException',
      `credentialDurationSeconds must be ${CREDENTIAL_SECONDS_MIN}-${CREDENTIAL_SECONDS_MAX}`,
    );
  }
}

export function roleAliasRow(ctx: RegistryContext, name: string): RoleAliasRow | undefined {
  return ctx.db.prepare(`SELECT * FROM role_aliases WHERE role_alias = ?`).get(name) as
    RoleAliasRow | undefined;
}

export function createRoleAlias(
  ctx: RegistryContext,
  name: string,
  input: { roleArn: string; credentialDurationSeconds?: number | undefined },
) {
  checkName(name);
  checkRoleArn(input.roleArn);
  const duration = input.credentialDurationSeconds ?? CREDENTIAL_SECONDS_DEFAULT;
  checkDuration(duration);
  if (roleAliasRow(ctx, name))
    throw new IotApiError('ResourceAlreadyExistsException', `role alias ${name} already exists`);
  const count = ctx.db.prepare(`SELECT COUNT(*) AS n FROM role_aliases`).get() as { n: number };
  if (count.n >= ROLE_ALIASES_MAX)
    throw new IotApiError('LimitExceededException', `at most ${ROLE_ALIASES_MAX} role aliases`);
  const now = ctx.clock.now().getTime();
  ctx.db
    .prepare(
      `INSERT INTO role_aliases (role_alias, role_arn, credential_duration_seconds, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?)`,
    )
    .run(name, input.roleArn, duration, now, now);
  return { roleAlias: name, roleAliasArn: arnOf(ctx, 'rolealias', name) };
}

function existing(ctx: RegistryContext, name: string): RoleAliasRow {
  const row = roleAliasRow(ctx, name);
  if (row === undefined)
    throw new IotApiError('ResourceNotFoundException', `role alias ${name} does not exist`);
  return row;
}

export function describeRoleAlias(ctx: RegistryContext, name: string) {
  const row = existing(ctx, name);
  return {
    roleAliasDescription: {
      roleAlias: row.role_alias,
      roleAliasArn: arnOf(ctx, 'rolealias', row.role_alias),
      roleArn: row.role_arn,
      owner: ctx.scope.account,
      credentialDurationSeconds: row.credential_duration_seconds,
      creationDate: epochSeconds(row.created_at),
      lastModifiedDate: epochSeconds(row.updated_at),
    },
  };
}

export function updateRoleAlias(
  ctx: RegistryContext,
  name: string,
  input: { roleArn?: string | undefined; credentialDurationSeconds?: number | undefined },
) {
  const row = existing(ctx, name);
  if (input.roleArn !== undefined) checkRoleArn(input.roleArn);
  if (input.credentialDurationSeconds !== undefined) checkDuration(input.credentialDurationSeconds);
  ctx.db
    .prepare(
      `UPDATE role_aliases SET role_arn = ?, credential_duration_seconds = ?, updated_at = ? WHERE role_alias = ?`,
    )
    .run(
      input.roleArn ?? row.role_arn,
      input.credentialDurationSeconds ?? row.credential_duration_seconds,
      ctx.clock.now().getTime(),
      name,
    );
  return { roleAlias: name, roleAliasArn: arnOf(ctx, 'rolealias', name) };
}

export function deleteRoleAlias(ctx: RegistryContext, name: string): void {
  existing(ctx, name);
  ctx.db.prepare(`DELETE FROM role_aliases WHERE role_alias = ?`).run(name);
}

export function listRoleAliases(
  ctx: RegistryContext,
  input: { pageSize?: number | undefined; marker?: string | undefined; ascendingOrder?: boolean | undefined },
) {
  const pageSize = input.pageSize ?? 25;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 250)
    throw new IotApiError('InvalidRequestException', 'pageSize must be 1-250');
  const offset = decodeMarker(input.marker);
  const order = input.ascendingOrder === false ? 'DESC' : 'ASC';
  const rows = ctx.db
    .prepare(`SELECT role_alias FROM role_aliases ORDER BY role_alias ${order} LIMIT ? OFFSET ?`)
    .all(pageSize + 1, offset) as { role_alias: string }[];
  return {
    roleAliases: rows.slice(0, pageSize).map((r) => r.role_alias),
    ...(rows.length > pageSize ? { nextMarker: String(offset + pageSize) } : {}),
  };
}
