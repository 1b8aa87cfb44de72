/**
 * The backend's AWS identity, least privilege: its permission policy is the repository contract
 * src/contracts/backend-role-policy.json (backend-role.ts), rendered for the stack's partition, region
 * and account, the media bucket and the video region: exactly the calls src/backend/cloud/*.ts makes
 * (see backend-role.ts for the list and why each is there).
 * MQTT (iot:Connect/Publish/Subscribe/Receive) is not here: the backend connects with its own thing
 * certificate under the backend IoT policy (src/contracts/backend-policy.json), not with IAM.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { BACKEND_ROLE_POLICY_NAME, backendRolePolicy } from '../../src/contracts/backend-role.js';
import { policyJson, stackArnScope } from './arn-scope.js';

export interface CamlinkBackendAccessProps {
  /** The media bucket's name (the backend reads and writes objects under devices/ in it). */
  readonly mediaBucketName: string;
  /** The region of the camera video streams; undefined: video is off, no KVS permission. */
  readonly videoRegion: string | undefined;
  /**
   * Who may assume the backend role (an ECS task role, an EC2 instance role, a CI user...).
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
    const policy = backendRolePolicy(stackArnScope(this), {
      mediaBucket: props.mediaBucketName,
      videoRegion: props.videoRegion,
    });
    this.role = new iam.Role(this, 'Role', {
      ...(props.roleName === undefined ? {} : { roleName: props.roleName }),
      description: 'The camlink backend: media objects, upload queue, device registry, video streams',
      assumedBy: props.assumedBy ?? new iam.AccountRootPrincipal(),
      inlinePolicies: { [BACKEND_ROLE_POLICY_NAME]: iam.PolicyDocument.fromJson(policyJson(policy)) },
    });
  }
}
