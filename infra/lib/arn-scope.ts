/**
 * The bridge between a CDK stack and the repository's policy contracts (src/contracts/*.json): their
 * {{partition}}/{{region}}/{{account}} placeholders are filled with the stack's own values, so one app
 * synthesizes for AWS global (arn:aws) and AWS China (arn:aws-cn).
 *
 * The region must be concrete: with the `@aws-cdk/core:enablePartitionLiterals` flag (set in cdk.json)
 * CDK then knows the partition at synth time and writes literal `arn:aws-cn:` ARNs instead of
 * `${AWS::Partition}`. The account may stay a token (`${AWS::AccountId}`, resolved by CloudFormation at
 * deploy time), so synth needs no credentials.
 */
import { Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { ArnScope } from '../../src/iot/policy/arn.js';
import type { PolicyDocument } from '../../src/iot/policy/document.js';

/** The partitions camlink deploys to. */
export type CamlinkPartition = ArnScope['partition'];

export function isChinaRegion(region: string): boolean {
  return region.startsWith('cn-');
}

/** The stack's partition, region and account, as the policy contracts' renderer takes them. */
export function stackArnScope(scope: IConstruct): ArnScope {
  const stack = Stack.of(scope);
  if (Token.isUnresolved(stack.region)) {
    throw new Error(
      'camlink infra needs a concrete region (env.region, or `-c region=...`): the partition (aws or aws-cn) follows from it',
    );
  }
  const partition = stack.partition;
  if (partition !== 'aws' && partition !== 'aws-cn') {
    throw new Error(
      `region ${stack.region} is in partition "${partition}"; camlink deploys to aws and aws-cn only ` +
        '(is @aws-cdk/core:enablePartitionLiterals set in the app context?)',
    );
  }
  return { partition, region: stack.region, account: stack.account };
}

/**
 * A parsed contract policy as the JSON document CloudFormation takes (AWS::IoT::Policy PolicyDocument,
 * IAM inline policies). Statements keep the file's order and key order.
 */
export function policyJson(document: PolicyDocument): {
  Version: '2012-10-17';
  Statement: PolicyDocument['statements'];
} {
  return { Version: '2012-10-17', Statement: document.statements };
}
