/**
 * The repository's just-in-time provisioning template: the thing is named after the certificate CN,
 * the certificate is activated, and the single device policy (device-policy.json) is attached. The
 * embedded platform registers its CA with it, and the CDK app / `camlink aws register-ca` use it too.
 */
import { DEVICE_POLICY_NAME } from './device-policy.js';

export const JITP_TEMPLATE = {
  Parameters: {
    'AWS::IoT::Certificate::CommonName': { Type: 'String' },
    'AWS::IoT::Certificate::Id': { Type: 'String' },
  },
  Resources: {
    thing: {
      Type: 'AWS::IoT::Thing',
      Properties: { ThingName: { Ref: 'AWS::IoT::Certificate::CommonName' } },
    },
    certificate: {
      Type: 'AWS::IoT::Certificate',
      Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' },
    },
    policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: DEVICE_POLICY_NAME } },
  },
} as const;

export const JITP_TEMPLATE_BODY = JSON.stringify(JITP_TEMPLATE);

/** The IAM role JITP assumes (AWSIoTThingsRegistration); the embedded platform records it only. */
export function jitpRoleArn(partition: 'aws' | 'aws-cn', account: string): string {
  return `arn:${partition}:iam::${account}:role/camlink-jitp`;
}
