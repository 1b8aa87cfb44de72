/**
 * The CDK stack's IAM documents (infra/, synthesized for aws and aws-cn) are ones this IAM accepts:
 * every role's trust policy parses as a trust policy, every inline and AWS::IAM::Policy document as a
 * permission policy, every managed policy ARN names a managed policy IAM knows, and the roles' trust
 * admits the services that assume them. Intrinsics (Fn::GetAtt, Fn::Join, Ref) stand in as ARNs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { managedPolicy } from '../../src/iam/managed-policies.js';
import { parseIamPolicy } from '../../src/iam/policy-grammar.js';
import { trustAllows } from '../../src/iam/trust.js';
import { ACCOUNT, CHINA_REGION, GLOBAL_REGION, synth } from '../infra/helpers.js';

/** Replaces CloudFormation intrinsics by an ARN-shaped string of the partition. */
function resolved(value: unknown, partition: string): unknown {
  if (Array.isArray(value)) return value.map((v) => resolved(v, partition));
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0]?.startsWith('Fn::') || keys[0] === 'Ref')) {
      return `arn:${partition}:sqs:region:${ACCOUNT}:resolved`;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolved(v, partition)]));
  }
  return value;
}

for (const [region, partition] of [
  [GLOBAL_REGION, 'aws'],
  [CHINA_REGION, 'aws-cn'],
] as const) {
  test(`the stack's IAM documents are valid for this IAM (${partition})`, () => {
    const template = synth(region).toJSON() as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    let roles = 0;
    for (const [id, resource] of Object.entries(template.Resources)) {
      const p = resolved(resource.Properties, partition) as Record<string, unknown>;
      if (resource.Type === 'AWS::IAM::Role') {
        roles++;
        const trust = JSON.stringify(p.AssumeRolePolicyDocument);
        assert.doesNotThrow(() => parseIamPolicy(trust, 'trust'), id);
        for (const inline of (p.Policies ?? []) as { PolicyDocument: unknown }[]) {
          assert.doesNotThrow(() => parseIamPolicy(JSON.stringify(inline.PolicyDocument), 'permission'), id);
        }
        for (const arn of (p.ManagedPolicyArns ?? []) as string[]) {
          assert.ok(managedPolicy(arn, partition), `${id}: managed policy ${arn}`);
        }
        const services = JSON.stringify(p.AssumeRolePolicyDocument).match(/[a-z.]+\.amazonaws\.com/g) ?? [];
        for (const service of services) {
          const allowed = trustAllows(
            trust,
            { kind: 'service', service },
            {
              'aws:SourceAccount': ACCOUNT,
              'aws:SourceArn': `arn:${partition}:iot:${region}:${ACCOUNT}:rule/camlink_uploads`,
            },
          );
          assert.ok(allowed || !trust.includes('aws:SourceArn'), `${id} trusts ${service}`);
        }
      }
      if (resource.Type === 'AWS::IAM::Policy') {
        assert.doesNotThrow(() => parseIamPolicy(JSON.stringify(p.PolicyDocument), 'permission'), id);
      }
    }
    assert.ok(roles >= 3);
  });
}
