/**
 * AWS IoT Core resources, all from the repository's contracts (the same files the embedded endpoint
 * enforces): the device and backend policies, the JITP provisioning role, the upload topic rule to the
 * queue (reference/aws-iot-peers.md 1.4, 1.8), and the camera role behind the credentials provider's
 * role alias (1.9). Policies are rendered for the stack's partition, region and account.
 *
 * Trust: the roles AWS IoT assumes (JITP, the topic rule) accept iot.amazonaws.com only for this
 * account's IoT resources (aws:SourceAccount, aws:SourceArn; AWS IoT guide "Cross-service confused
 * deputy prevention" and "Granting an AWS IoT rule the access it requires"). The camera role trusts
 * credentials.iot.amazonaws.com without such a condition: AWS documents none for the credentials
 * provider, and a condition on a key the service does not populate would refuse every camera.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEVICE_POLICY_NAME, devicePolicy } from '../../src/contracts/device-policy.js';
import { BACKEND_POLICY_NAME, backendPolicy } from '../../src/contracts/backend-policy.js';
import { jitpRoleArn } from '../../src/contracts/jitp-template.js';
import {
  CAMERA_CREDENTIAL_SECONDS,
  CAMERA_ROLE_ALIAS,
  CAMERA_ROLE_NAME,
  cameraRolePolicy,
} from '../../src/contracts/camera-role.js';
import { UPLOAD_RULE_NAME, UPLOAD_RULE_SQL } from '../../src/contracts/upload-rule.js';
import type { PolicyDocument } from '../../src/iot/policy/document.js';
import { policyJson, stackArnScope } from './arn-scope.js';

/** The rules-engine SQL version the rule is written for (reference/aws-iot-peers.md 1.8). */
export const UPLOAD_RULE_SQL_VERSION = '2016-03-23';

/**
 * Service principals, the same in aws-cn: CDK v2 writes `<service>.amazonaws.com` in every partition
 * (its `.amazonaws.com.cn` region facts are deprecated) and we found no China-specific principal for
 * IoT or its credentials provider. Unverified against a live China account (docs/infra.md).
 */
export const IOT_SERVICE_PRINCIPAL = 'iot.amazonaws.com';
export const CREDENTIALS_PROVIDER_PRINCIPAL = 'credentials.iot.amazonaws.com';

export interface CamlinkIotProps {
  /** The queue the upload rule sends to. */
  readonly uploadQueue: sqs.IQueue;
  /** Where the rule sends messages it could not deliver (errorAction). */
  readonly deadLetterQueue: sqs.IQueue;
  /** The media bucket's name; the camera role may write under devices/<thing>/ in it. */
  readonly mediaBucketName: string;
  /**
   * The region of the camera video streams (the camera role's KVS grant names it); undefined: video
   * is off and the camera role has no KVS permission.
   */
  readonly videoRegion: string | undefined;
  /**
   * Thing type for cameras.
   * @default 'camlink-camera'
   */
  readonly thingTypeName?: string;
  /**
   * How long the camera's temporary credentials live (AWS: 900..43200 s).
   * @default CAMERA_CREDENTIAL_SECONDS (src/contracts/camera-role.ts, 3600)
   */
  readonly cameraCredentialSeconds?: number;
}

/** The role name at the end of an IAM role ARN from a contract (arn:...:role/<name>). */
function roleNameOf(arn: string): string {
  const name = arn.slice(arn.lastIndexOf(':role/') + ':role/'.length);
  if (!arn.includes(':role/') || name === '') throw new Error(`not an IAM role ARN: ${arn}`);
  return name;
}

/**
 * The camera role's permission policy with its KVS statement in the video region, or without KVS. In
 * camera-role-policy.json {{region}} appears in the KVS stream ARN only (S3 ARNs carry no region), so
 * rendering it for the video region moves exactly the video grant.
 */
function cameraPolicyFor(
  scope: ReturnType<typeof stackArnScope>,
  mediaBucketName: string,
  videoRegion: string | undefined,
): PolicyDocument {
  const document = cameraRolePolicy({ ...scope, region: videoRegion ?? scope.region }, mediaBucketName);
  if (videoRegion !== undefined) return document;
  const isVideo = (action: string) => action.startsWith('kinesisvideo:');
  return {
    ...document,
    statements: document.statements.filter((s) => {
      const actions = typeof s.Action === 'string' ? [s.Action] : s.Action;
      return !actions.every(isVideo);
    }),
  };
}

export class CamlinkIot extends Construct {
  readonly devicePolicy: iot.CfnPolicy;
  readonly backendPolicy: iot.CfnPolicy;
  readonly thingType: iot.CfnThingType;
  /** Role JITP assumes to register things; pass its ARN to `camlink aws register-ca --role-arn`. */
  readonly jitpRole: iam.Role;
  /** Role the upload rule assumes to send to the queue and the dead-letter queue. */
  readonly ruleRole: iam.Role;
  readonly uploadRule: iot.CfnTopicRule;
  /** Role a camera gets through the credentials provider. */
  readonly cameraRole: iam.Role;
  readonly cameraRoleAlias: iot.CfnRoleAlias;

  constructor(scope: Construct, id: string, props: CamlinkIotProps) {
    super(scope, id);
    const arnScope = stackArnScope(this);
    const stack = Stack.of(this);
    const iotSource = (resource: string) =>
      new iam.ServicePrincipal(IOT_SERVICE_PRINCIPAL, {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': `arn:${arnScope.partition}:iot:${arnScope.region}:${stack.account}:${resource}`,
          },
        },
      });

    this.devicePolicy = new iot.CfnPolicy(this, 'DevicePolicy', {
      policyName: DEVICE_POLICY_NAME,
      policyDocument: policyJson(devicePolicy(arnScope)),
    });
    this.backendPolicy = new iot.CfnPolicy(this, 'BackendPolicy', {
      policyName: BACKEND_POLICY_NAME,
      policyDocument: policyJson(backendPolicy(arnScope)),
    });

    this.thingType = new iot.CfnThingType(this, 'CameraThingType', {
      thingTypeName: props.thingTypeName ?? 'camlink-camera',
      thingTypeProperties: { thingTypeDescription: 'A camlink camera (thing name = certificate CN)' },
    });

    this.jitpRole = new iam.Role(this, 'JitpRole', {
      roleName: roleNameOf(jitpRoleArn(arnScope.partition, arnScope.account)),
      description: 'Assumed by AWS IoT just-in-time provisioning to create camlink things',
      // JITP runs in the account's IoT; the guide's general form covers any IoT resource of it.
      assumedBy: iotSource('*'),
      managedPolicies: [
        // fromAwsManagedPolicyName would write ${AWS::Partition}; the literal keeps the template readable.
        iam.ManagedPolicy.fromManagedPolicyArn(
          this,
          'ThingsRegistration',
          `arn:${arnScope.partition}:iam::aws:policy/service-role/AWSIoTThingsRegistration`,
        ),
      ],
    });

    this.ruleRole = new iam.Role(this, 'UploadRuleRole', {
      description: `Lets the ${UPLOAD_RULE_NAME} topic rule send to the upload queue and its DLQ`,
      assumedBy: iotSource(`rule/${UPLOAD_RULE_NAME}`),
    });
    props.uploadQueue.grant(this.ruleRole, 'sqs:SendMessage');
    props.deadLetterQueue.grant(this.ruleRole, 'sqs:SendMessage');

    this.uploadRule = new iot.CfnTopicRule(this, 'UploadRule', {
      ruleName: UPLOAD_RULE_NAME,
      topicRulePayload: {
        sql: UPLOAD_RULE_SQL,
        awsIotSqlVersion: UPLOAD_RULE_SQL_VERSION,
        ruleDisabled: false,
        actions: [
          {
            sqs: {
              queueUrl: props.uploadQueue.queueUrl,
              roleArn: this.ruleRole.roleArn,
              useBase64: false,
            },
          },
        ],
        errorAction: {
          sqs: {
            queueUrl: props.deadLetterQueue.queueUrl,
            roleArn: this.ruleRole.roleArn,
            useBase64: false,
          },
        },
      },
    });
    // The role's policy must exist before IoT validates the rule's actions.
    this.uploadRule.node.addDependency(this.ruleRole);

    const credentialSeconds = props.cameraCredentialSeconds ?? CAMERA_CREDENTIAL_SECONDS;
    if (!Number.isInteger(credentialSeconds) || credentialSeconds < 900 || credentialSeconds > 43200) {
      throw new Error(
        `cameraCredentialSeconds must be 900..43200 (AWS CreateRoleAlias), got ${credentialSeconds}`,
      );
    }
    this.cameraRole = new iam.Role(this, 'CameraRole', {
      roleName: CAMERA_ROLE_NAME,
      description: 'Assumed by cameras through the IoT credentials provider (role alias)',
      assumedBy: new iam.ServicePrincipal(CREDENTIALS_PROVIDER_PRINCIPAL),
      // The alias may not ask for longer sessions than the role allows.
      maxSessionDuration: Duration.seconds(Math.max(3600, credentialSeconds)),
      inlinePolicies: {
        [CAMERA_ROLE_NAME]: iam.PolicyDocument.fromJson(
          policyJson(cameraPolicyFor(arnScope, props.mediaBucketName, props.videoRegion)),
        ),
      },
    });
    this.cameraRoleAlias = new iot.CfnRoleAlias(this, 'CameraRoleAlias', {
      roleAlias: CAMERA_ROLE_ALIAS,
      roleArn: this.cameraRole.roleArn,
      credentialDurationSeconds: credentialSeconds,
    });
  }
}
