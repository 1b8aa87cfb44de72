/**
 * The CloudFormation template the CDK app synthesizes (cdk.out/<stack>.template.json), read for the
 * rehearsal stand-in, and the stack's environment from cdk.out/manifest.json ("aws://<account>/<region>").
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { CamlinkError } from '../../errors/camlink-error.js';

const resourceSchema = z.object({
  Type: z.string().min(1),
  Properties: z.record(z.string(), z.unknown()).optional(),
  DependsOn: z.union([z.string(), z.array(z.string())]).optional(),
  DeletionPolicy: z.enum(['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot']).optional(),
  UpdateReplacePolicy: z.string().optional(),
  Condition: z.string().optional(),
  Metadata: z.unknown().optional(),
});

const templateSchema = z.object({
  AWSTemplateFormatVersion: z.string().optional(),
  Description: z.string().optional(),
  Transform: z.unknown().optional(),
  Parameters: z
    .record(z.string(), z.object({ Type: z.string(), Default: z.unknown().optional() }).loose())
    .optional(),
  Rules: z.record(z.string(), z.unknown()).optional(),
  Conditions: z.record(z.string(), z.unknown()).optional(),
  Mappings: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown()))).optional(),
  Resources: z.record(z.string(), resourceSchema),
  Outputs: z
    .record(
      z.string(),
      z
        .object({ Value: z.unknown(), Description: z.string().optional(), Condition: z.string().optional() })
        .loose(),
    )
    .optional(),
  Metadata: z.unknown().optional(),
});

export type StackTemplate = z.infer<typeof templateSchema>;
export type TemplateResource = z.infer<typeof resourceSchema>;

/** AWS: a template body is at most 1 MB (S3-hosted templates). */
const TEMPLATE_MAX_BYTES = 1_000_000;

export function invalidTemplate(message: string): CamlinkError {
  return new CamlinkError('STACK_TEMPLATE_INVALID', message);
}

export function parseTemplate(text: string, source: string): StackTemplate {
  if (Buffer.byteLength(text) > TEMPLATE_MAX_BYTES)
    throw invalidTemplate(`${source}: larger than ${TEMPLATE_MAX_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw invalidTemplate(`${source}: not JSON (${(err as Error).message})`);
  }
  const parsed = templateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidTemplate(`${source}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  if (parsed.data.Transform !== undefined)
    throw invalidTemplate(`${source}: Transform (macros, SAM) is not supported by the stand-in`);
  return parsed.data;
}

export interface LoadedTemplate {
  readonly template: StackTemplate;
  readonly path: string;
  /** <name> of <name>.template.json (the CDK stack name). */
  readonly stackName: string;
  /** From cdk.out/manifest.json when it names this stack's environment. */
  readonly environment?: { account: string; region: string };
}

export async function loadTemplate(path: string): Promise<LoadedTemplate> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CamlinkError('FILE_UNREADABLE', `cannot read template ${path}: ${(err as Error).message}`);
  }
  const template = parseTemplate(text, path);
  const stackName = basename(path)
    .replace(/\.template\.json$/, '')
    .replace(/\.json$/, '');
  const environment = await manifestEnvironment(join(dirname(path), 'manifest.json'), basename(path));
  return { template, path, stackName, ...(environment ? { environment } : {}) };
}

const manifestSchema = z.object({
  artifacts: z.record(
    z.string(),
    z
      .object({
        type: z.string(),
        environment: z.string().optional(),
        properties: z.object({ templateFile: z.string().optional() }).loose().optional(),
      })
      .loose(),
  ),
});

async function manifestEnvironment(
  path: string,
  templateFile: string,
): Promise<{ account: string; region: string } | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  const parsed = manifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success) return undefined;
  for (const artifact of Object.values(parsed.data.artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    if (artifact.properties?.templateFile !== templateFile) continue;
    const match = /^aws:\/\/(\d{12})\/([a-z0-9-]+)$/.exec(artifact.environment ?? '');
    if (match?.[1] !== undefined && match[2] !== undefined) return { account: match[1], region: match[2] };
  }
  return undefined;
}
