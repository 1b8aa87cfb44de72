/**
 * camlink's cloud side in one stack: media bucket, upload queue, IoT policies/rule/roles, the
 * backend's role, the video grants and, optionally, a custom data domain. The same code synthesizes
 * for AWS global and AWS China; the region decides the partition (see arn-scope.ts).
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { CamlinkBackendAccess } from './backend-access.js';
import { CamlinkCustomDomain, type CamlinkCustomDomainProps } from './domain.js';
import { CamlinkIot } from './iot.js';
import { CamlinkUploadQueue, type CamlinkUploadQueueProps } from './queue.js';
import { CamlinkMediaBucket, type CamlinkMediaBucketProps } from './storage.js';
import { CamlinkVideo } from './video.js';

export interface CamlinkStackProps extends StackProps {
  /**
   * The media bucket's settings.
   * @default CamlinkMediaBucket's defaults (camlink-media-<account>-<region>, private, unversioned)
   */
  readonly mediaBucket?: CamlinkMediaBucketProps;
  /**
   * The upload queue's settings.
   * @default CamlinkUploadQueue's defaults (maxReceiveCount 5)
   */
  readonly uploadQueue?: CamlinkUploadQueueProps;
  /**
   * A custom domain for the MQTT data endpoint.
   * @default none (devices use the AWS-owned iot:Data-ATS endpoint)
   */
  readonly customDomain?: CamlinkCustomDomainProps;
  /**
   * Who may assume the backend role.
   * @default the account (iam.AccountRootPrincipal)
   */
  readonly backendAssumedBy?: iam.IPrincipal;
}

export class CamlinkStack extends Stack {
  readonly media: CamlinkMediaBucket;
  readonly uploads: CamlinkUploadQueue;
  readonly iot: CamlinkIot;
  readonly video: CamlinkVideo;
  readonly backend: CamlinkBackendAccess;
  readonly domain: CamlinkCustomDomain | undefined;

  constructor(scope: Construct, id: string, props: CamlinkStackProps = {}) {
    super(scope, id, props);
    this.media = new CamlinkMediaBucket(this, 'Media', props.mediaBucket);
    this.uploads = new CamlinkUploadQueue(this, 'Uploads', props.uploadQueue);
    this.iot = new CamlinkIot(this, 'Iot', {
      uploadQueue: this.uploads.queue,
      deadLetterQueue: this.uploads.deadLetterQueue,
      mediaBucketName: this.media.bucketName,
    });
    this.video = new CamlinkVideo(this, 'Video');
    this.backend = new CamlinkBackendAccess(this, 'Backend', {
      mediaBucket: this.media.bucket,
      uploadQueue: this.uploads.queue,
      video: this.video,
      ...(props.backendAssumedBy === undefined ? {} : { assumedBy: props.backendAssumedBy }),
    });
    this.domain =
      props.customDomain === undefined
        ? undefined
        : new CamlinkCustomDomain(this, 'Domain', props.customDomain);

    new CfnOutput(this, 'UploadQueueUrl', {
      description: 'backend.aws upload queue URL (the topic rule feeds it)',
      value: this.uploads.queue.queueUrl,
    });
    new CfnOutput(this, 'MediaBucketName', {
      description: 'config backend.uploads.bucket',
      value: this.media.bucket.bucketName,
    });
    new CfnOutput(this, 'CameraRoleAlias', {
      description: 'IoT role alias cameras present to the credentials provider',
      value: this.iot.cameraRoleAlias.ref,
    });
    new CfnOutput(this, 'JitpRoleArn', {
      description: 'camlink aws register-ca --role-arn',
      value: this.iot.jitpRole.roleArn,
    });
    new CfnOutput(this, 'BackendRoleArn', {
      description: 'The role the backend runs as',
      value: this.backend.role.roleArn,
    });
    if (props.customDomain !== undefined) {
      new CfnOutput(this, 'CustomDomainName', {
        description: 'MQTT data endpoint custom domain (devices send it as SNI)',
        value: props.customDomain.domainName,
      });
    }
  }
}
