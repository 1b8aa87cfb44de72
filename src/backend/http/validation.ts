/**
 * Request validation with zod: a route declares zod schemas, `zodSchema` turns each into the JSON Schema
 * that @fastify/swagger documents (OpenAPI 3.0 flavour, unknown keys shown as additionalProperties:
 * false), and the validator compiler runs the original zod schema, so what is documented is what is
 * enforced. Failures are VALIDATION_FAILED with the first issue's path.
 */
import type { FastifyInstance, FastifySchema } from 'fastify';
import { z } from 'zod';
import { CamlinkError } from '../../errors/camlink-error.js';

const zodOf = new WeakMap<object, z.ZodType>();

export function zodSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }) as Record<string, unknown>;
  delete json.$schema;
  zodOf.set(json, schema);
  return json;
}

export function describeIssues(error: z.ZodError, part: string): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys] : issue.path;
      return `${[part, ...keys.map(String)].join('.')}: ${issue.message}`;
    })
    .join('; ');
}

export function installZodValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const zod = zodOf.get(schema);
    if (zod === undefined)
      throw new Error(`route schema for ${httpPart ?? 'a part'} was not built by zodSchema()`);
    const part = httpPart ?? 'request';
    return (data: unknown) => {
      // A POST without a body (fastify gives null) is validated as an empty object, so required keys are reported.
      const parsed = zod.safeParse(part === 'body' && (data === undefined || data === null) ? {} : data);
      if (parsed.success) return { value: parsed.data };
      return { error: new CamlinkError('VALIDATION_FAILED', describeIssues(parsed.error, part)) };
    };
  });
}

export type RouteSchema = FastifySchema & { summary?: string; tags?: string[]; security?: unknown[] };
