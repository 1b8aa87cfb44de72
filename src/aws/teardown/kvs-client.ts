/**
 * The Kinesis Video Streams client teardown uses, configured like the other `camlink aws` clients
 * (src/aws/clients.ts): the target's region, credentials or profile, and extra CA for an HTTPS override.
 */
import { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { awsAgent, awsClientConfig } from '../clients.js';
import type { AwsTarget } from '../target.js';

export function createKvsClient(target: AwsTarget, endpoint: string | undefined): KinesisVideoClient {
  return new KinesisVideoClient({
    ...awsClientConfig(target, awsAgent(target, false)),
    ...(endpoint ? { endpoint } : {}),
  });
}
