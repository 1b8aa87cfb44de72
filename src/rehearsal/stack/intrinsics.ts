/**
 * CloudFormation intrinsic functions and pseudo parameters, resolved as CloudFormation does before it
 * calls a resource's API (User Guide, "Intrinsic function reference", "Pseudo parameters reference"):
 * Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::FindInMap, Fn::If, Fn::Equals,
 * Fn::Not, Fn::And, Fn::Or, Condition, Fn::Base64. Anything else fails the deploy (never passed on as is).
 */
import { invalidTemplate } from './template.js';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** AWS::NoValue: the property is removed. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

export interface ResolveContext {
  readonly pseudo: Readonly<Record<string, Json>>;
  readonly parameters: Readonly<Record<string, Json>>;
  /** Ref of a created resource (undefined: not created, e.g. its condition is false). */
  ref(logicalId: string): Json | undefined;
  attr(logicalId: string, name: string): Json | undefined;
  condition(name: string): boolean;
  readonly mappings: Readonly<Record<string, Record<string, Record<string, unknown>>>>;
}

type Resolved = Json | typeof NO_VALUE;

function fail(where: string, message: string): never {
  throw invalidTemplate(`${where}: ${message}`);
}

function str(where: string, value: Resolved): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return fail(where, `expected a string, got ${JSON.stringify(value === NO_VALUE ? 'AWS::NoValue' : value)}`);
}

function list(where: string, value: Resolved): Json[] {
  if (Array.isArray(value)) return value;
  return fail(where, 'expected a list');
}

export function refValue(ctx: ResolveContext, where: string, name: string): Resolved {
  if (name === 'AWS::NoValue') return NO_VALUE;
  if (name in ctx.pseudo) return ctx.pseudo[name] ?? null;
  if (name.startsWith('AWS::')) return fail(where, `pseudo parameter ${name} is not supported`);
  if (name in ctx.parameters) return ctx.parameters[name] ?? null;
  const value = ctx.ref(name);
  if (value === undefined) return fail(where, `Ref ${name}: no such resource or parameter (or not created)`);
  return value;
}

function getAtt(ctx: ResolveContext, where: string, id: string, name: string): Json {
  const value = ctx.attr(id, name);
  if (value === undefined) return fail(where, `Fn::GetAtt ${id}.${name}: not available from the stand-in`);
  return value;
}

function sub(ctx: ResolveContext, where: string, text: string, vars: Record<string, Json>): string {
  return text.replace(/\$\{(!?)([^}]*)\}/g, (_m, bang: string, name: string) => {
    if (bang === '!') return `\${${name}}`;
    if (name in vars) return str(where, vars[name] ?? null);
    const dot = name.indexOf('.');
    if (dot > 0 && !name.startsWith('AWS::'))
      return str(where, getAtt(ctx, where, name.slice(0, dot), name.slice(dot + 1)));
    return str(where, refValue(ctx, where, name));
  });
}

function resolveFunction(ctx: ResolveContext, where: string, fn: string, arg: unknown): Resolved {
  const at = `${where}.${fn}`;
  switch (fn) {
    case 'Ref':
      return refValue(ctx, at, str(at, resolve(ctx, at, arg)));
    case 'Fn::GetAtt': {
      const parts =
        typeof arg === 'string' ? arg.split(/\.(.*)/s).slice(0, 2) : list(at, resolve(ctx, at, arg));
      if (parts.length !== 2) return fail(at, 'expected [LogicalId, Attribute]');
      return getAtt(ctx, at, str(at, parts[0] ?? null), str(at, parts[1] ?? null));
    }
    case 'Fn::Join': {
      const [sep, items] = list(at, resolve(ctx, at, arg));
      return list(at, items ?? null)
        .map((item) => str(at, item))
        .join(str(at, sep ?? null));
    }
    case 'Fn::Sub': {
      if (typeof arg === 'string') return sub(ctx, at, arg, {});
      if (!Array.isArray(arg) || arg.length !== 2) return fail(at, 'expected a string or [string, {vars}]');
      const vars = resolve(ctx, at, arg[1]);
      if (typeof vars !== 'object' || vars === null || Array.isArray(vars))
        return fail(at, 'vars must be a map');
      return sub(ctx, at, str(at, arg[0] as Json), vars);
    }
    case 'Fn::Select': {
      const [index, items] = list(at, resolve(ctx, at, arg));
      const i = Number(index);
      const values = list(at, items ?? null);
      if (!Number.isInteger(i) || i < 0 || i >= values.length)
        return fail(at, `index ${JSON.stringify(index ?? null)} out of range`);
      return values[i] ?? null;
    }
    case 'Fn::Split': {
      const [sep, text] = list(at, resolve(ctx, at, arg));
      return str(at, text ?? null).split(str(at, sep ?? null));
    }
    case 'Fn::FindInMap': {
      const [map, top, second] = list(at, resolve(ctx, at, arg)).map((v) => str(at, v));
      const value = ctx.mappings[map ?? '']?.[top ?? '']?.[second ?? ''];
      if (value === undefined) return fail(at, `no mapping ${map}.${top}.${second}`);
      return resolve(ctx, at, value);
    }
    case 'Fn::If': {
      if (!Array.isArray(arg) || arg.length !== 3) return fail(at, 'expected [condition, then, else]');
      return resolve(ctx, at, ctx.condition(str(at, arg[0] as Json)) ? arg[1] : arg[2]);
    }
    case 'Fn::Equals': {
      const [a, b] = list(at, resolve(ctx, at, arg));
      return JSON.stringify(a) === JSON.stringify(b);
    }
    case 'Fn::Not':
      return !truth(at, list(at, resolve(ctx, at, arg))[0] ?? null);
    case 'Fn::And':
      return list(at, resolve(ctx, at, arg)).every((v) => truth(at, v));
    case 'Fn::Or':
      return list(at, resolve(ctx, at, arg)).some((v) => truth(at, v));
    case 'Condition':
      return ctx.condition(str(at, arg as Json));
    case 'Fn::Base64':
      return Buffer.from(str(at, resolve(ctx, at, arg))).toString('base64');
    default:
      return fail(at, `intrinsic ${fn} is not supported by the stand-in`);
  }
}

function truth(where: string, value: Json): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return fail(where, 'expected a condition value');
}

/** Resolves every intrinsic in `value`; a property that resolves to AWS::NoValue is left out. */
export function resolve(ctx: ResolveContext, where: string, value: unknown): Resolved {
  if (value === null || typeof value !== 'object') {
    if (value === undefined) return null;
    return value as Json;
  }
  if (Array.isArray(value)) {
    return value
      .map((item, i) => resolve(ctx, `${where}[${i}]`, item))
      .filter((v): v is Json => v !== NO_VALUE);
  }
  const entries = Object.entries(value);
  const [first] = entries;
  if (
    entries.length === 1 &&
    first !== undefined &&
    (first[0] === 'Ref' || first[0].startsWith('Fn::') || first[0] === 'Condition')
  ) {
    return resolveFunction(ctx, where, first[0], first[1]);
  }
  const out: { [key: string]: Json } = {};
  for (const [key, item] of entries) {
    const resolved = resolve(ctx, `${where}.${key}`, item);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

/** The logical ids a value refers to (Ref, Fn::GetAtt, ${Name} and ${Name.Attr} of Fn::Sub). */
export function referencesOf(value: unknown, into = new Set<string>()): Set<string> {
  if (value === null || typeof value !== 'object') return into;
  if (Array.isArray(value)) {
    for (const item of value) referencesOf(item, into);
    return into;
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const first: unknown = Array.isArray(item) ? (item as unknown[])[0] : undefined;
    if (key === 'Ref' && typeof item === 'string') into.add(item);
    else if (key === 'Fn::GetAtt') {
      const id = typeof item === 'string' ? item.split('.')[0] : first;
      if (typeof id === 'string') into.add(id);
    } else if (key === 'Fn::Sub') {
      const text = typeof item === 'string' ? item : first;
      if (typeof text === 'string')
        for (const m of text.matchAll(/\$\{([^!}][^}.]*)/g)) if (m[1] !== undefined) into.add(m[1]);
      if (Array.isArray(item)) referencesOf((item as unknown[])[1], into);
    } else referencesOf(item, into);
  }
  return into;
}
