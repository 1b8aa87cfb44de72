/**
 * How a topic rule's SQS action uses its IAM role when config iam.enabled (AWS IoT Developer Guide,
 * "SQS action": the role must let AWS IoT perform sqs:SendMessage on the queue): the role must trust
 * iot.amazonaws.com with the rule's ARN as aws:SourceArn and the account as aws:SourceAccount, and its
 * permission policies must allow sqs:SendMessage on the queue's ARN. When they do not, the action fails
 * and the rule's error action runs. A role IAM does not hold fails in a fresh cloud account; otherwise
 * it is taken as before (the platform's own roles live outside IAM).
 */
import type { ArnScope } from '../iot/policy/arn.js';
import { roleAllows, roleTrusts, type RoleDirectory } from '../iam/role-directory.js';
import { IOT_SERVICE_PRINCIPAL } from './iam-roles.js';

export function ruleSqsRoleCheck(
  directory: RoleDirectory,
  scope: ArnScope,
  fresh: boolean,
  /** The queue's ARN for a queue URL, or undefined when the URL names no queue of this account. */
  queueArnOf: (queueUrl: string) => string | undefined,
) {
  return (roleArn: string, queueUrl: string, ruleName: string): Promise<string | undefined> => {
    const role = directory.role(roleArn);
    if (role === undefined) return Promise.resolve(fresh ? `role ${roleArn} does not exist` : undefined);
    const ruleArn = `arn:${scope.partition}:iot:${scope.region}:${scope.account}:rule/${ruleName}`;
    const trusted = roleTrusts(
      role,
      { kind: 'service', service: IOT_SERVICE_PRINCIPAL },
      { 'aws:SourceAccount': scope.account, 'aws:SourceArn': ruleArn },
    );
    if (!trusted)
      return Promise.resolve(`role ${roleArn} does not trust ${IOT_SERVICE_PRINCIPAL} for ${ruleArn}`);
    // A URL of no queue here: the send itself fails with the queue's own error.
    const queueArn = queueArnOf(queueUrl);
    if (queueArn === undefined) return Promise.resolve(undefined);
    return Promise.resolve(
      roleAllows(role, 'sqs:SendMessage', queueArn)
        ? undefined
        : `User: ${roleArn} is not authorized to perform: sqs:SendMessage on resource: ${queueArn}`,
    );
  };
}
