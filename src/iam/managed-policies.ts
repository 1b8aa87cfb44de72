/**
 * The AWS-managed policies this IAM knows (customer-managed policies are not offered: CreatePolicy is
 * refused). Each document is what AWS's managed policy reference publishes for it; the ARN is
 * `arn:<partition>:iam::aws:policy/<path><name>` in either partition.
 */

export interface ManagedPolicy {
  readonly name: string;
  readonly path: string;
  readonly document: string;
}

/**
 * AWSIoTThingsRegistration (service-role policy, version v3 of 2020-10-05): lets AWS IoT register
 * things in bulk and just in time, i.e. what a JITP provisioning role needs.
 */
const THINGS_REGISTRATION: ManagedPolicy = {
  name: 'AWSIoTThingsRegistration',
  path: '/service-role/',
  document: JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'iot:AddThingToThingGroup',
          'iot:AttachPolicy',
          'iot:AttachPrincipalPolicy',
          'iot:AttachThingPrincipal',
          'iot:CreateCertificateFromCsr',
          'iot:CreatePolicy',
          'iot:CreateThing',
          'iot:DescribeCertificate',
          'iot:DescribeThing',
          'iot:DescribeThingGroup',
          'iot:DescribeThingType',
          'iot:DetachPolicy',
          'iot:DetachThingPrincipal',
          'iot:GetPolicy',
          'iot:ListAttachedPolicies',
          'iot:ListPolicyPrincipals',
          'iot:ListPrincipalPolicies',
          'iot:ListPrincipalThings',
          'iot:ListTargetsForPolicy',
          'iot:ListThingGroupsForThing',
          'iot:ListThingPrincipals',
          'iot:RegisterCertificate',
          'iot:RegisterThing',
          'iot:RemoveThingFromThingGroup',
          'iot:UpdateCertificate',
          'iot:UpdateThing',
          'iot:UpdateThingGroupsForThing',
          'iot:AddThingToBillingGroup',
          'iot:DescribeBillingGroup',
          'iot:RemoveThingFromBillingGroup',
        ],
        Resource: ['*'],
      },
    ],
  }),
};

const MANAGED: readonly ManagedPolicy[] = [THINGS_REGISTRATION];

const MANAGED_ARN = /^arn:(aws|aws-cn):iam::aws:policy(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,128})$/;

/** The managed policy an ARN names in `partition`, or undefined. */
export function managedPolicy(arn: string, partition: 'aws' | 'aws-cn'): ManagedPolicy | undefined {
  const m = MANAGED_ARN.exec(arn);
  if (m === null || m[1] !== partition) return undefined;
  return MANAGED.find((p) => p.path === m[2] && p.name === m[3]);
}
