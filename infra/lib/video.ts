/**
 * Kinesis Video Streams: nothing is created here. The backend creates one stream per camera, named
 * after its thing (src/contracts/camera-role.ts cameraStreamName), when the camera first streams; the
 * camera role lets a camera write only to its own stream. This construct holds the backend's side:
 * create/describe streams and hand out HLS sessions and clips.
 * KVS in China is in cn-north-1 (Beijing) only (reference/aws-iot-peers.md 1.13).
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** What the backend calls (src/backend/cloud/video.ts), and playback helpers for viewers. */
export const BACKEND_VIDEO_ACTIONS = [
  'kinesisvideo:CreateStream',
  'kinesisvideo:DescribeStream',
  'kinesisvideo:GetDataEndpoint',
  'kinesisvideo:GetHLSStreamingSessionURL',
  'kinesisvideo:ListFragments',
  'kinesisvideo:GetClip',
] as const;

export interface CamlinkVideoProps {
  /**
   * Stream name pattern the backend may manage (stream ARNs are stream/<name>/<creation time>).
   * @default '*' (streams are named after things, whose names are not known at deploy time)
   */
  readonly streamNamePattern?: string;
}

export class CamlinkVideo extends Construct {
  /** The stream ARN pattern the grants are scoped to. */
  readonly streamArnPattern: string;

  constructor(scope: Construct, id: string, props: CamlinkVideoProps = {}) {
    super(scope, id);
    this.streamArnPattern = Stack.of(this).formatArn({
      service: 'kinesisvideo',
      resource: 'stream',
      resourceName: `${props.streamNamePattern ?? '*'}`,
    });
  }

  /** Lets the backend create camera streams and open HLS sessions on them. */
  grantBackend(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...BACKEND_VIDEO_ACTIONS],
      resourceArns: [this.streamArnPattern],
    });
  }
}
