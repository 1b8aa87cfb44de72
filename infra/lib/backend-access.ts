/**
 * The backend's AWS identity, least privilege: exactly the calls src/backend/cloud/*.ts makes.
 * - S3: presign PUTs, HEAD/GET/DELETE objects under devices/ (object keys devices/<deviceId>/...).
 * - SQS: consume the upload queue.
 * - IoT control plane: create things and certificates from CSRs, attach the device policy, list and
 *   revoke a device's certificates, find the data endpoint.
 * - KVS: through CamlinkVideo.grantBackend.
 * MQTT (iot:Connect/Publish/Subscribe/Receive) is not here: the backend connects with its own thing
 * certificate under the backend IoT policy (src/contracts/backend-policy.json), not with IAM.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEVICE_POLICY_NAME } from '../../src/contracts/device-policy.js';
import type { CamlinkVideo } from './video.js';

/** The key prefix the backend issues uploads under (devices/<deviceId>/<uploadId>.<ext>). */
export const MEDIA_KEY_PATTERN = 'devices/*';

export interface CamlinkBackendAccessProps {
  readonly mediaBucket: s3.IBucket;
  readonly uploadQueue: sqs.IQueue;
  readonly video: CamlinkVideo;
  /**
   * Who may assume the backend role (an ECS task, EC2 instance or Lambda principal, say).
   * @default new iam.AccountRootPrincipal() (principals of this account that IAM lets assume it)
   */
  readonly assumedBy?: iam.IPrincipal;
  /**
   * The role name.
   * @default a name CloudFormation generates
   */
  readonly roleName?: string;
}

export class CamlinkBackendAccess extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: CamlinkBackendAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      ...(props.roleName === undefined ? {} : { roleName: props.roleName }),
      description: 'The camlink backend: media objects, upload queue, device registry, video streams',
      assumedBy: props.assumedBy ?? new iam.AccountRootPrincipal(),
    });

    props.mediaBucket.grantReadWrite(this.role, MEDIA_KEY_PATTERN);
    props.mediaBucket.grantDelete(this.role, MEDIA_KEY_PATTERN);
    props.uploadQueue.grantConsumeMessages(this.role);
    props.video.grantBackend(this.role);

    const iotArn = (resource: string) => stack.formatArn({ service: 'iot', resource, resourceName: '*' });
    const grant = (actions: string[], resourceArns: string[]) =>
      iam.Grant.addToPrincipal({ grantee: this.role, actions, resourceArns });

    grant(['iot:CreateThing', 'iot:DescribeThing', 'iot:ListThingPrincipals'], [iotArn('thing')]);
    // AttachThingPrincipal names the thing in the path and the certificate in a header.
    grant(['iot:AttachThingPrincipal'], [iotArn('thing'), iotArn('cert')]);
    grant(['iot:DescribeCertificate', 'iot:UpdateCertificate'], [iotArn('cert')]);
    // AttachPolicy is authorized on its target (the certificate); the policy is the device policy only.
    grant(
      ['iot:AttachPolicy'],
      [
        iotArn('cert'),
        stack.formatArn({ service: 'iot', resource: 'policy', resourceName: DEVICE_POLICY_NAME }),
      ],
    );
    // Neither action supports resource-level permissions: the certificate does not exist before
    // CreateCertificateFromCsr, and DescribeEndpoint reads an account-wide setting. IAM requires '*'.
    grant(['iot:CreateCertificateFromCsr', 'iot:DescribeEndpoint'], ['*']);
  }
}
