/**
 * The AWS clients the stand-in creates resources with. From the CLI they are built with ONLY a region:
 * endpoints and credentials come from the SDK's defaults (the rehearsal's preload redirects the cloud
 * host names; credentials from the default chain). Tests pass clients pointed at a platform.
 */
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { IoTClient } from '@aws-sdk/client-iot';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

/** The IAM calls the stand-in makes (an interface so a platform without IAM fails loudly, not silently). */
export interface IamPort {
  createRole(input: {
    roleName: string;
    path?: string;
    assumeRolePolicyDocument: string;
    description?: string;
    maxSessionDuration?: number;
  }): Promise<{ arn: string; roleId: string }>;
  putRolePolicy(roleName: string, policyName: string, document: string): Promise<void>;
  deleteRolePolicy(roleName: string, policyName: string): Promise<void>;
  attachRolePolicy(roleName: string, policyArn: string): Promise<void>;
  detachRolePolicy(roleName: string, policyArn: string): Promise<void>;
  deleteRole(roleName: string): Promise<void>;
}

export interface StackClients {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly iot: IoTClient;
  readonly iam: IamPort;
  destroy(): void;
}

export function sdkIamPort(iam: IAMClient): IamPort {
  return {
    async createRole(input) {
      const out = await iam.send(
        new CreateRoleCommand({
          RoleName: input.roleName,
          AssumeRolePolicyDocument: input.assumeRolePolicyDocument,
          ...(input.path === undefined ? {} : { Path: input.path }),
          ...(input.description === undefined ? {} : { Description: input.description }),
          ...(input.maxSessionDuration === undefined ? {} : { MaxSessionDuration: input.maxSessionDuration }),
        }),
      );
      if (out.Role?.Arn === undefined || out.Role.RoleId === undefined)
        throw new Error(`CreateRole ${input.roleName} answered no Role.Arn`);
      return { arn: out.Role.Arn, roleId: out.Role.RoleId };
    },
    async putRolePolicy(roleName, policyName, document) {
      await iam.send(
        new PutRolePolicyCommand({ RoleName: roleName, PolicyName: policyName, PolicyDocument: document }),
      );
    },
    async deleteRolePolicy(roleName, policyName) {
      await iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
    },
    async attachRolePolicy(roleName, policyArn) {
      await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }));
    },
    async detachRolePolicy(roleName, policyArn) {
      await iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }));
    },
    async deleteRole(roleName) {
      await iam.send(new DeleteRoleCommand({ RoleName: roleName }));
    },
  };
}

/** Clients with only `region` set, as `cdk deploy` would have. */
export function regionClients(region: string): StackClients {
  const s3 = new S3Client({ region });
  const sqs = new SQSClient({ region });
  const iot = new IoTClient({ region });
  const iamClient = new IAMClient({ region });
  return {
    s3,
    sqs,
    iot,
    iam: sdkIamPort(iamClient),
    destroy() {
      for (const c of [s3, sqs, iot, iamClient]) c.destroy();
    },
  };
}
