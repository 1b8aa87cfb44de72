/**
 * The stack's pseudo parameters, template parameters, rules and conditions as the stand-in applies
 * them (User Guide "Pseudo parameters reference", "Parameters", "Rules", "Conditions").
 */
import { NO_VALUE, referencesOf, resolve, type Json, type ResolveContext } from './intrinsics.js';
import { invalidTemplate, type StackTemplate } from './template.js';

export interface StackEnvironment {
  readonly stackName: string;
  readonly region: string;
  readonly account: string;
}

export function partitionOf(region: string): 'aws' | 'aws-cn' {
  return region.startsWith('cn-') ? 'aws-cn' : 'aws';
}

export function pseudoParameters(env: StackEnvironment): Record<string, Json> {
  const partition = partitionOf(env.region);
  return {
    'AWS::Partition': partition,
    'AWS::Region': env.region,
    'AWS::AccountId': env.account,
    'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    'AWS::StackName': env.stackName,
    'AWS::StackId': `arn:${partition}:cloudformation:${env.region}:${env.account}:stack/${env.stackName}/rehearsal`,
    'AWS::NotificationARNs': [],
  };
}

/**
 * Parameter values: each Default. An SSM-typed parameter (the CDK's BootstrapVersion) has no SSM to
 * read here: it is skipped, which is only allowed while nothing but Rules refers to it.
 */
export function parameterValues(
  template: StackTemplate,
  skipped: (line: string) => void,
): Record<string, Json> {
  const used = referencesOf([template.Resources, template.Outputs, template.Conditions]);
  const values: Record<string, Json> = {};
  for (const [name, p] of Object.entries(template.Parameters ?? {})) {
    if (p.Type.startsWith('AWS::SSM::Parameter::')) {
      if (used.has(name))
        throw invalidTemplate(`parameter ${name} reads SSM (${p.Type}); the stand-in has no SSM`);
      skipped(`Parameters.${name} (${p.Type}: read from SSM by CloudFormation; only Rules refer to it)`);
      continue;
    }
    if (p.Default === undefined)
      throw invalidTemplate(`parameter ${name} has no Default; the stand-in takes no parameter values`);
    values[name] = p.Default as Json;
  }
  for (const name of Object.keys(template.Rules ?? {})) {
    skipped(
      `Rules.${name} (template rules check the deployment environment, e.g. the CDK bootstrap stack version; the stand-in needs no bootstrap stack: it uploads no assets)`,
    );
  }
  return values;
}

/** Condition values, each evaluated once (conditions may refer to conditions, never to resources). */
export function conditionEvaluator(
  template: StackTemplate,
  base: Omit<ResolveContext, 'condition'>,
): (name: string) => boolean {
  const memo = new Map<string, boolean>();
  const evaluating = new Set<string>();
  const condition = (name: string): boolean => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const definition = template.Conditions?.[name];
    if (definition === undefined) throw invalidTemplate(`no condition ${name}`);
    if (evaluating.has(name)) throw invalidTemplate(`condition ${name} refers to itself`);
    evaluating.add(name);
    const value = resolve({ ...base, condition }, `Conditions.${name}`, definition);
    evaluating.delete(name);
    if (typeof value !== 'boolean' || value === (NO_VALUE as unknown))
      throw invalidTemplate(`condition ${name} is not a boolean`);
    memo.set(name, value);
    return value;
  };
  return condition;
}
