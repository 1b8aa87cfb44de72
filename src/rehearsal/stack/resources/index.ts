/**
 * The resource types the stand-in knows. Those it creates have a handler; those it knows but does not
 * reproduce are listed with the reason (reported as "not rehearsed", never silently dropped). Any other
 * type fails the deploy before anything is created.
 */
import { iotPolicyHandler, roleAliasHandler, topicRuleHandler } from './iot.js';
import { policyHandler, roleHandler } from './iam.js';
import { bucketHandler } from './s3.js';
import { queueHandler } from './sqs.js';
import type { ResourceHandler } from './handler.js';

export const handlers: ReadonlyMap<string, ResourceHandler> = new Map(
  [
    bucketHandler,
    queueHandler,
    roleHandler,
    policyHandler,
    iotPolicyHandler,
    topicRuleHandler,
    roleAliasHandler,
  ].map((h) => [h.type, h]),
);

/** Known types the rehearsal does not reproduce: why, and what Ref / Fn::GetAtt give in their place. */
export const notRehearsedTypes: ReadonlyMap<string, string> = new Map([
  [
    'AWS::S3::BucketPolicy',
    'bucket policies (the object store has none; it serves TLS only, so the TLS-only deny holds)',
  ],
  ['AWS::SQS::QueuePolicy', 'queue policies (the embedded queue has none; it serves TLS only)'],
  [
    'AWS::IoT::ThingType',
    'thing types (the embedded IoT API has no CreateThingType; CreateThing takes any type name)',
  ],
  ['AWS::CDK::Metadata', 'CDK usage analytics (no AWS resource)'],
]);
