/** What every AWS IoT REST route is made of: its input, its dependencies, and the binding helpers. */
import type { z } from 'zod';
import type { IotRegistry } from '../registry/registry.js';
import { IotApiError } from '../registry/errors.js';

export interface RouteInput {
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface RouteDeps {
  registry: IotRegistry;
  /** Signs a CSR with the operator CA (CreateCertificateFromCsr). */
  signCsr(csrPem: string): Promise<string>;
  /** Endpoint addresses DescribeEndpoint answers with. */
  endpoints: Record<string, string>;
}

export interface Route {
  operation: string;
  method: string;
  path: RegExp;
  handle(input: RouteInput, deps: RouteDeps): unknown;
}

export function body<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IotApiError(
      'InvalidRequestException',
      `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid request'}`,
    );
  }
  return parsed.data;
}

export function bool(query: URLSearchParams, name: string): boolean | undefined {
  const v = query.get(name);
  if (v === null) return undefined;
  if (v !== 'true' && v !== 'false')
    throw new IotApiError('InvalidRequestException', `${name} must be true or false`);
  return v === 'true';
}

export function int(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new IotApiError('InvalidRequestException', `${name} must be an integer`);
  return n;
}

export function opt(query: URLSearchParams, name: string): string | undefined {
  return query.get(name) ?? undefined;
}

export const route = (
  operation: string,
  method: string,
  pattern: string,
  handle: Route['handle'],
): Route => ({
  operation,
  method,
  path: new RegExp(`^${pattern.replace(/\{(\w+)\}/g, (_m, name: string) => `(?<${name}>[^/]+)`)}$`),
  handle,
});
