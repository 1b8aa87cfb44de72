/**
 * camlink's cloud side in one stack: media bucket, upload queue, IoT policies/rule/roles, the
 * backend's role, the video region and, optionally, a custom data domain. The same code synthesizes
 * for AWS global and AWS China; the region decides the partition (see arn-scope.ts). Per-region
 * decisions (docs/infra.md): no custom domain in China, video streams in a region with KVS or off.
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
  /**
   * Camera video (Kinesis Video Streams): false leaves every KVS permission out.
   * @default true
   */
  readonly video?: boolean;
  /**
   * The region of the camera video streams (same partition; must offer KVS, see video.ts).
   * @default the stack's region
   */
  readonly videoRegion?: string;
}

export class CamlinkStack extends Stack {
  readonly media: CamlinkMediaBucket;
  readonly uploads: CamlinkUploadQueue;
  readonly iot: CamlinkIot;
  /** undefined when video is off. */
  readonly video: CamlinkVideo | undefined;
  readonly backend: CamlinkBackendAccess;
  readonly domain: CamlinkCustomDomain | undefined;

  constructor(scope: Construct, id: string, props: CamlinkStackProps = {}) {
    super(scope, id, props);
    if (props.video === false && props.videoRegion !== undefined) {
      throw new Error('videoRegion and video=false exclude each other');
    }
    this.video =
      props.video === false
        ? undefined
        : new CamlinkVideo(
            this,
            'Video',
            props.videoRegion === undefined ? {} : { region: props.videoRegion },
          );
    this.media = new CamlinkMediaBucket(this, 'Media', props.mediaBucket);
    this.uploads = new CamlinkUploadQueue(this, 'Uploads', props.uploadQueue);
    this.iot = new CamlinkIot(this, 'Iot', {
      uploadQueue: this.uploads.queue,
      deadLetterQueue: this.uploads.deadLetterQueue,
      mediaBucketName: this.media.bucketName,
      videoRegion: this.video?.region,
    });
    this.backend = new CamlinkBackendAccess(this, 'Backend', {
      mediaBucketName: this.media.bucketName,
      videoRegion: this.video?.region,
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
    if (this.video !== undefined) {
      new CfnOutput(this, 'VideoRegion', {
        description: 'config backend.video.region; the region cameras stream video to',
        value: this.video.region,
      });
    }
    if (props.customDomain !== undefined) {
      new CfnOutput(this, 'CustomDomainName', {
        description: 'MQTT data endpoint custom domain (devices send it as SNI)',
        value: props.customDomain.domainName,
      });
    }
  }
}
