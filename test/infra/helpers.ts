/**
 * Builds the camlink stack in-process for a literal account and region, with the app context of
 * infra/cdk.json (its feature flags decide, e.g., whether the partition is a literal), and reads the
 * synthesized template.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CamlinkStack, type CamlinkStackProps } from '../../infra/lib/camlink-stack.js';

export const ACCOUNT = '123456789012';
export const GLOBAL_REGION = 'ap-northeast-1';
export const CHINA_REGION = 'cn-north-1';

export const INFRA_DIR = new URL('../../infra/', import.meta.url);

export function cdkJsonContext(): Record<string, unknown> {
  const parsed: unknown = JSON.parse(readFileSync(new URL('cdk.json', INFRA_DIR), 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || !('context' in parsed)) {
    throw new Error('infra/cdk.json has no context');
  }
  const context = parsed.context;
  if (typeof context !== 'object' || context === null) throw new Error('cdk.json context is not an object');
  return { ...context };
}

export function buildStack(region: string, props: CamlinkStackProps = {}): CamlinkStack {
  const app = new App({ context: cdkJsonContext() });
  return new CamlinkStack(app, 'camlink', { ...props, env: { account: ACCOUNT, region } });
}

export function synth(region: string, props: CamlinkStackProps = {}): Template {
  return Template.fromStack(buildStack(region, props));
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

/** The one resource of a type whose properties include `match`, with its logical id. */
export function only(
  template: Template,
  type: string,
  match: Record<string, unknown> = {},
): [string, CfnResource] {
  const found = Object.entries(template.findResources(type, { Properties: match }));
  if (found.length !== 1) {
    throw new Error(`expected one ${type} matching ${JSON.stringify(match)}, found ${found.length}`);
  }
  const [id, resource] = found[0] as [string, CfnResource];
  return [id, resource];
}

export interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Effect: string;
}

export function statementsOf(document: unknown): Statement[] {
  const statements = (document as { Statement: Statement | Statement[] }).Statement;
  return Array.isArray(statements) ? statements : [statements];
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** The backend role: the one role trusted by an AWS (account or ARN) principal. */
export function backendRole(template: Template): [string, CfnResource] {
  return only(template, 'AWS::IAM::Role', {
    AssumeRolePolicyDocument: Match.objectLike({
      Statement: [Match.objectLike({ Principal: { AWS: Match.anyValue() } })],
    }),
  });
}

/** A policy as sorted "action resource" pairs: its meaning, whatever CDK merged or reordered. */
export function grantsOf(document: unknown): string[] {
  const pairs = statementsOf(document).flatMap((s) => {
    const resources = Array.isArray(s.Resource) ? (s.Resource as unknown[]) : [s.Resource];
    return actionsOf(s).flatMap((a) =>
      resources.map((r) => `${a} ${typeof r === 'string' ? r : JSON.stringify(r)}`),
    );
  });
  return [...new Set(pairs)].sort();
}
