/**
 * Things and their principals (API reference: CreateThing, DescribeThing, ListThings, DeleteThing,
 * AttachThingPrincipal, ListThingPrincipals, DetachThingPrincipal, ListPrincipalThings). Thing names
 * follow CreateThing's pattern; a thing with principals attached cannot be deleted; DeleteThing honours
 * expectedVersion.
 */
import { randomUUID } from 'node:crypto';
import { assertDeviceId } from '../../contracts/device-id.js';
import { isCamlinkError } from '../../errors/camlink-error.js';
import { arnOf, type RegistryContext } from './context.js';
import { IotApiError } from './errors.js';
import { decodeMarker } from './ca-certificates.js';

interface ThingRow {
  thing_name: string;
  thing_id: string;
  thing_type: string | null;
  attributes: string;
  version: number;
  created_at: number;
}

const ATTRIBUTE_KEY = /^[a-zA-Z0-9_.,@/:#-]{1,128}$/;
const ATTRIBUTE_VALUE = /^[a-zA-Z0-9_.,@/:#=[\]-]{0,800}$/;
const MAX_ATTRIBUTES = 50;

function checkThingName(name: string): void {
  try {
    assertDeviceId(name);
  } catch (err) {
    if (isCamlinkError(err, 'DEVICE_ID_INVALID'))
      throw new IotApiError('InvalidRequestException', err.message);
    throw err;
  }
}

function checkAttributes(attributes: Record<string, string>): void {
  const entries = Object.entries(attributes);
  if (entries.length > MAX_ATTRIBUTES)
    throw new IotApiError('InvalidRequestException', `at most ${MAX_ATTRIBUTES} attributes`);
  for (const [key, value] of entries) {
    if (!ATTRIBUTE_KEY.test(key) || typeof value !== 'string' || !ATTRIBUTE_VALUE.test(value)) {
      throw new IotApiError('InvalidRequestException', `attribute "${key}" is not valid`);
    }
  }
}

export function createThing(
  ctx: RegistryContext,
  input: {
    thingName: string;
    thingTypeName?: string | undefined;
    attributes?: Record<string, string> | undefined;
  },
): { thingName: string; thingArn: string; thingId: string } {
  checkThingName(input.thingName);
  const attributes = input.attributes ?? {};
  checkAttributes(attributes);
  const existing = getThing(ctx, input.thingName);
  if (existing) {
    // CreateThing is idempotent for an identical request (AWS), and a conflict otherwise.
    if (
      (existing.thing_type ?? undefined) === input.thingTypeName &&
      existing.attributes === JSON.stringify(attributes)
    ) {
      return {
        thingName: existing.thing_name,
        thingArn: arnOf(ctx, 'thing', existing.thing_name),
        thingId: existing.thing_id,
      };
    }
    throw new IotApiError(
      'ResourceAlreadyExistsException',
      `thing ${input.thingName} already exists with other properties`,
    );
  }
  const thingId = randomUUID();
  ctx.db
    .prepare(
      `INSERT INTO things (thing_name, thing_id, thing_type, attributes, version, created_at) VALUES (?, ?, ?, ?, 1, ?)`,
    )
    .run(
      input.thingName,
      thingId,
      input.thingTypeName ?? null,
      JSON.stringify(attributes),
      ctx.clock.now().getTime(),
    );
  return { thingName: input.thingName, thingArn: arnOf(ctx, 'thing', input.thingName), thingId };
}

export function getThing(ctx: RegistryContext, thingName: string): ThingRow | undefined {
  return ctx.db.prepare(`SELECT * FROM things WHERE thing_name = ?`).get(thingName) as ThingRow | undefined;
}

function requireThing(ctx: RegistryContext, thingName: string): ThingRow {
  const row = getThing(ctx, thingName);
  if (row === undefined)
    throw new IotApiError('ResourceNotFoundException', `thing ${thingName} does not exist`);
  return row;
}

export function describeThing(ctx: RegistryContext, thingName: string) {
  const row = requireThing(ctx, thingName);
  return {
    defaultClientId: row.thing_name,
    thingName: row.thing_name,
    thingId: row.thing_id,
    thingArn: arnOf(ctx, 'thing', row.thing_name),
    ...(row.thing_type ? { thingTypeName: row.thing_type } : {}),
    attributes: JSON.parse(row.attributes) as Record<string, string>,
    version: row.version,
  };
}

export function listThings(
  ctx: RegistryContext,
  input: { maxResults?: number | undefined; nextToken?: string | undefined },
) {
  const max = input.maxResults ?? 50;
  if (!Number.isInteger(max) || max < 1 || max > 250)
    throw new IotApiError('InvalidRequestException', 'maxResults must be 1-250');
  const offset = decodeMarker(input.nextToken);
  const rows = ctx.db
    .prepare(`SELECT * FROM things ORDER BY thing_name LIMIT ? OFFSET ?`)
    .all(max + 1, offset) as ThingRow[];
  return {
    things: rows.slice(0, max).map((row) => ({
      thingName: row.thing_name,
      thingArn: arnOf(ctx, 'thing', row.thing_name),
      ...(row.thing_type ? { thingTypeName: row.thing_type } : {}),
      attributes: JSON.parse(row.attributes) as Record<string, string>,
      version: row.version,
    })),
    ...(rows.length > max ? { nextToken: String(offset + max) } : {}),
  };
}

export function deleteThing(
  ctx: RegistryContext,
  thingName: string,
  expectedVersion: number | undefined,
): void {
  const row = getThing(ctx, thingName);
  if (row === undefined) return; // DeleteThing of a missing thing succeeds on AWS
  if (expectedVersion !== undefined && expectedVersion !== row.version) {
    throw new IotApiError('VersionConflictException', `thing ${thingName} is at version ${row.version}`);
  }
  if (principalsOf(ctx, thingName).length > 0) {
    throw new IotApiError(
      'InvalidRequestException',
      `thing ${thingName} has principals attached; detach them first`,
    );
  }
  ctx.db.prepare(`DELETE FROM things WHERE thing_name = ?`).run(thingName);
}

export function attachThingPrincipal(ctx: RegistryContext, thingName: string, principal: string): void {
  requireThing(ctx, thingName);
  const certificateId = certificateIdOfArn(ctx, principal);
  if (
    ctx.db.prepare(`SELECT 1 FROM certificates WHERE certificate_id = ?`).get(certificateId) === undefined
  ) {
    throw new IotApiError('ResourceNotFoundException', `principal ${principal} does not exist`);
  }
  ctx.db
    .prepare(`INSERT OR IGNORE INTO thing_principals (thing_name, principal) VALUES (?, ?)`)
    .run(thingName, principal);
}

export function principalsOf(ctx: RegistryContext, thingName: string): string[] {
  return (
    ctx.db
      .prepare(`SELECT principal FROM thing_principals WHERE thing_name = ? ORDER BY principal`)
      .all(thingName) as {
      principal: string;
    }[]
  ).map((r) => r.principal);
}

export function listThingPrincipals(ctx: RegistryContext, thingName: string) {
  requireThing(ctx, thingName);
  return { principals: principalsOf(ctx, thingName) };
}

/** DetachThingPrincipal: the thing must exist; detaching a principal that is not attached succeeds. */
export function detachThingPrincipal(ctx: RegistryContext, thingName: string, principal: string): void {
  requireThing(ctx, thingName);
  certificateIdOfArn(ctx, principal);
  ctx.db
    .prepare(`DELETE FROM thing_principals WHERE thing_name = ? AND principal = ?`)
    .run(thingName, principal);
}

/** ListPrincipalThings: the names of the things a certificate is attached to, paged by maxResults (1-250). */
export function listPrincipalThings(
  ctx: RegistryContext,
  principal: string,
  input: { maxResults?: number | undefined; nextToken?: string | undefined },
) {
  const certificateId = certificateIdOfArn(ctx, principal);
  if (
    ctx.db.prepare(`SELECT 1 FROM certificates WHERE certificate_id = ?`).get(certificateId) === undefined
  ) {
    throw new IotApiError('ResourceNotFoundException', `principal ${principal} does not exist`);
  }
  const max = input.maxResults ?? 25;
  if (!Number.isInteger(max) || max < 1 || max > 250)
    throw new IotApiError('InvalidRequestException', 'maxResults must be 1-250');
  const offset = decodeMarker(input.nextToken);
  const rows = ctx.db
    .prepare(
      `SELECT thing_name FROM thing_principals WHERE principal = ? ORDER BY thing_name LIMIT ? OFFSET ?`,
    )
    .all(principal, max + 1, offset) as { thing_name: string }[];
  return {
    things: rows.slice(0, max).map((r) => r.thing_name),
    ...(rows.length > max ? { nextToken: String(offset + max) } : {}),
  };
}

export function isThingAttached(ctx: RegistryContext, thingName: string, principal: string): boolean {
  return (
    ctx.db
      .prepare(`SELECT 1 FROM thing_principals WHERE thing_name = ? AND principal = ?`)
      .get(thingName, principal) !== undefined
  );
}

/** The certificate id inside a cert ARN of this account and region. */
export function certificateIdOfArn(ctx: RegistryContext, arn: string): string {
  const prefix = arnOf(ctx, 'cert', '');
  if (!arn.startsWith(prefix) || !/^[0-9a-f]{64}$/.test(arn.slice(prefix.length))) {
    throw new IotApiError(
      'InvalidRequestException',
      `${arn} is not a certificate ARN of this account and region`,
    );
  }
  return arn.slice(prefix.length);
}
