/** AWS::IoT::Policy, AWS::IoT::TopicRule and AWS::IoT::RoleAlias through the IoT API. */
import {
  CreatePolicyCommand,
  CreateRoleAliasCommand,
  CreateTopicRuleCommand,
  DeletePolicyCommand,
  DeleteRoleAliasCommand,
  DeleteTopicRuleCommand,
  type TopicRulePayload,
} from '@aws-sdk/client-iot';
import type { Json } from '../intrinsics.js';
import {
  asString,
  documentOf,
  generatedName,
  type ResourceContext,
  type ResourceHandler,
} from './handler.js';

function iotArn(ctx: ResourceContext, type: string, name: string): string {
  return `arn:${ctx.partition}:iot:${ctx.region}:${ctx.account}:${type}/${name}`;
}

/** CloudFormation's PascalCase TopicRulePayload -> the API's camelCase (Sql -> sql, Sqs.QueueUrl -> sqs.queueUrl). */
export function camelCase(value: Json): Json {
  if (Array.isArray(value)) return value.map(camelCase);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), camelCase(v)]),
  );
}

export const iotPolicyHandler: ResourceHandler = {
  type: 'AWS::IoT::Policy',
  properties: { PolicyName: undefined, PolicyDocument: undefined, Tags: 'tags' },
  async create(props, ctx) {
    const name = asString(props, 'PolicyName') ?? generatedName(ctx, 128);
    const out = await ctx.clients.iot.send(
      new CreatePolicyCommand({ policyName: name, policyDocument: documentOf(props.PolicyDocument) }),
    );
    return {
      physicalId: name,
      ref: name,
      attrs: { Arn: out.policyArn ?? iotArn(ctx, 'policy', name), Id: name },
    };
  },
  async delete(created, ctx) {
    // While a certificate is attached IoT answers DeleteConflictException: the destroy fails, as on AWS.
    await ctx.clients.iot.send(new DeletePolicyCommand({ policyName: created.physicalId }));
  },
};

export const topicRuleHandler: ResourceHandler = {
  type: 'AWS::IoT::TopicRule',
  properties: { RuleName: undefined, TopicRulePayload: undefined, Tags: 'tags' },
  async create(props, ctx) {
    const name = asString(props, 'RuleName') ?? generatedName(ctx, 128).replace(/-/g, '_');
    await ctx.clients.iot.send(
      new CreateTopicRuleCommand({
        ruleName: name,
        topicRulePayload: camelCase(props.TopicRulePayload ?? {}) as unknown as TopicRulePayload,
      }),
    );
    return { physicalId: name, ref: name, attrs: { Arn: iotArn(ctx, 'rule', name) } };
  },
  async delete(created, ctx) {
    await ctx.clients.iot.send(new DeleteTopicRuleCommand({ ruleName: created.physicalId }));
  },
};

export const roleAliasHandler: ResourceHandler = {
  type: 'AWS::IoT::RoleAlias',
  properties: {
    RoleAlias: undefined,
    RoleArn: undefined,
    CredentialDurationSeconds: undefined,
    Tags: 'tags',
  },
  async create(props, ctx) {
    const name = asString(props, 'RoleAlias') ?? generatedName(ctx, 128);
    const roleArn = asString(props, 'RoleArn') ?? '';
    const seconds = props.CredentialDurationSeconds;
    const out = await ctx.clients.iot.send(
      new CreateRoleAliasCommand({
        roleAlias: name,
        roleArn,
        ...(typeof seconds === 'number' ? { credentialDurationSeconds: seconds } : {}),
      }),
    );
    return {
      physicalId: name,
      ref: name,
      attrs: { RoleAliasArn: out.roleAliasArn ?? iotArn(ctx, 'rolealias', name) },
    };
  },
  async delete(created, ctx) {
    await ctx.clients.iot.send(new DeleteRoleAliasCommand({ roleAlias: created.physicalId }));
  },
};
