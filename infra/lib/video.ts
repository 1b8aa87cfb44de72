/**
 * Kinesis Video Streams: nothing is created here. The backend creates one stream per camera, named
 * after its thing (src/contracts/camera-role.ts cameraStreamName), when the camera first streams; the
 * camera role lets a camera write only to its own stream. This construct decides the video region:
 * KVS is not offered in every region (in China: Beijing cn-north-1 only, not Ningxia cn-northwest-1),
 * so the streams may live in another region of the same partition than the stack, and the camera
 * role's and the backend role's KVS grants name that region (output VideoRegion tells the backend,
 * `backend.video.region`, and the cameras).
 */
import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { isChinaRegion } from './arn-scope.js';

/**
 * Regions where Kinesis Video Streams is NOT offered (KVS developer guide, "Region availability",
 * checked 2026-12): synth refuses them as the video region. A region missing here is assumed to have
 * KVS; add one here when AWS lists it without KVS.
 */
export const REGIONS_WITHOUT_KVS: readonly string[] = [
  'cn-northwest-1',
  'us-west-1',
  'ap-northeast-3',
  'ap-south-2',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-7',
  'ap-east-2',
  'ca-west-1',
  'eu-north-1',
  'eu-south-1',
  'eu-central-2',
  'il-central-1',
  'me-central-1',
  'mx-central-1',
];

export function kvsUnavailableMessage(region: string): string {
  const where = isChinaRegion(region)
    ? `in AWS China it is in cn-north-1 only; pass -c videoRegion=cn-north-1 to keep the camera streams in Beijing`
    : 'pass -c videoRegion=<a region with KVS> (e.g. us-west-2) to keep the camera streams there';
  return `Kinesis Video Streams is not offered in ${region}: ${where}, or -c video=false to deploy without video`;
}

export interface CamlinkVideoProps {
  /**
   * The region of the camera streams (same partition as the stack).
   * @default the stack's region
   */
  readonly region?: string;
}

export class CamlinkVideo extends Construct {
  /** The region the camera streams live in. */
  readonly region: string;

  constructor(scope: Construct, id: string, props: CamlinkVideoProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.region = props.region ?? stack.region;
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(this.region)) {
      throw new Error(`videoRegion "${this.region}" is not an AWS region name`);
    }
    if (isChinaRegion(this.region) !== isChinaRegion(stack.region)) {
      throw new Error(
        `videoRegion ${this.region} is in another partition than the stack's region ${stack.region}; ` +
          'the camera and backend roles cannot reach it',
      );
    }
    if (REGIONS_WITHOUT_KVS.includes(this.region)) throw new Error(kvsUnavailableMessage(this.region));
  }
}
