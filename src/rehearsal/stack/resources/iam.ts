/** AWS::IAM::Role (with inline and managed policies) and AWS::IAM::Policy (inline, on roles), through IAM. */
import type { Json } from '../intrinsics.js';
import { asString, documentOf, generatedName, type ResourceHandler } from './handler.js';

interface InlinePolicy {
  PolicyName: string;
  PolicyDocument: Json;
}

export const roleHandler: ResourceHandler = {
  type: 'AWS::IAM::Role',
  properties: {
    RoleName: undefined,
    AssumeRolePolicyDocument: undefined,
    Description: undefined,
    MaxSessionDuration: undefined,
    Path: undefined,
    Policies: undefined,
    ManagedPolicyArns: undefined,
    PermissionsBoundary: 'permissions boundaries',
    Tags: 'tags',
  },
  async create(props, ctx) {
    const roleName = asString(props, 'RoleName') ?? generatedName(ctx, 64);
    const path = asString(props, 'Path');
    const description = asString(props, 'Description');
    const max = props.MaxSessionDuration;
    const { arn, roleId } = await ctx.clients.iam.createRole({
      roleName,
      assumeRolePolicyDocument: documentOf(props.AssumeRolePolicyDocument),
      ...(path === undefined ? {} : { path }),
      ...(description === undefined ? {} : { description }),
      ...(typeof max === 'number' ? { maxSessionDuration: max } : {}),
    });
    const inline = (props.Policies ?? []) as unknown as InlinePolicy[];
    const managed = (props.ManagedPolicyArns ?? []) as string[];
    const put: string[] = [];
    const attached: string[] = [];
    try {
      for (const p of inline) {
        await ctx.clients.iam.putRolePolicy(roleName, p.PolicyName, documentOf(p.PolicyDocument));
        put.push(p.PolicyName);
      }
      for (const policyArn of managed) {
        await ctx.clients.iam.attachRolePolicy(roleName, policyArn);
        attached.push(policyArn);
      }
    } catch (err) {
      // Half a role is not left behind: undo what this creation did, then fail it.
      await roleHandler
        .delete(
          { physicalId: roleName, ref: roleName, attrs: {}, undo: { inline: put, managed: attached } },
          ctx,
        )
        .catch(() => undefined);
      throw err;
    }
    return {
      physicalId: roleName,
      ref: roleName,
      attrs: { Arn: arn, RoleId: roleId },
      undo: { inline: inline.map((p) => p.PolicyName), managed },
    };
  },
  async delete(created, ctx) {
    const { iam } = ctx.clients;
    for (const name of (created.undo?.inline ?? []) as string[])
      await iam.deleteRolePolicy(created.physicalId, name);
    for (const arn of (created.undo?.managed ?? []) as string[])
      await iam.detachRolePolicy(created.physicalId, arn);
    await iam.deleteRole(created.physicalId);
  },
};

export const policyHandler: ResourceHandler = {
  type: 'AWS::IAM::Policy',
  properties: {
    PolicyName: undefined,
    PolicyDocument: undefined,
    Roles: undefined,
    Users: 'inline policies of IAM users (only roles are rehearsed)',
    Groups: 'inline policies of IAM groups (only roles are rehearsed)',
  },
  async create(props, ctx) {
    const policyName = asString(props, 'PolicyName') ?? generatedName(ctx, 128);
    const roles = (props.Roles ?? []) as string[];
    for (const role of roles)
      await ctx.clients.iam.putRolePolicy(role, policyName, documentOf(props.PolicyDocument));
    return { physicalId: policyName, ref: policyName, attrs: {}, undo: { roles } };
  },
  async delete(created, ctx) {
    for (const role of (created.undo?.roles ?? []) as string[])
      await ctx.clients.iam.deleteRolePolicy(role, created.physicalId);
  },
};
