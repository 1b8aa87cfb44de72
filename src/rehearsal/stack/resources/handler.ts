/** What the stand-in knows about one resource type: how to create and delete it, which properties it reproduces. */
import type { Json } from '../intrinsics.js';
import type { StackClients } from '../ports.js';

export interface ResourceContext {
  readonly clients: StackClients;
  readonly logicalId: string;
  readonly stackName: string;
  readonly region: string;
  readonly account: string;
  readonly partition: string;
  /** Records something of this resource the rehearsal does not reproduce (listed in the report). */
  notRehearsed(what: string): void;
}

export interface Created {
  readonly physicalId: string;
  readonly ref: Json;
  readonly attrs: Readonly<Record<string, Json>>;
  /** What delete needs beyond the physical id. */
  readonly undo?: Readonly<Record<string, Json>>;
}

export interface ResourceHandler {
  readonly type: string;
  /**
   * Every property the type may have: undefined when the stand-in reproduces it, else why not.
   * A property missing here is reported as not rehearsed ("unknown to the stand-in").
   */
  readonly properties: Readonly<Record<string, string | undefined>>;
  create(props: Readonly<Record<string, Json>>, ctx: ResourceContext): Promise<Created>;
  delete(created: Created, ctx: ResourceContext): Promise<void>;
}

/** A name as CloudFormation generates one: <stack>-<logicalId>-<random>, cut to `max`. */
export function generatedName(ctx: ResourceContext, max: number, lower = false): string {
  const suffix = Math.random().toString(36).slice(2, 14).toUpperCase();
  const head = `${ctx.stackName}-${ctx.logicalId}`.slice(0, max - suffix.length - 1);
  const name = `${head}-${suffix}`;
  return lower ? name.toLowerCase() : name;
}

export function asString(props: Readonly<Record<string, Json>>, name: string): string | undefined {
  const v = props[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Error(`property ${name} must be a string`);
}

/** A policy document property: an object in templates, a JSON string in the APIs. */
export function documentOf(value: Json | undefined): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? {});
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  return String(err);
}
