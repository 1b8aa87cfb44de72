/**
 * The Kinesis Video Streams client teardown uses, configured like the other `camlink aws` clients
 * (src/aws/clients.ts): the target's region, credentials or profile, and extra CA for an HTTPS override.
 */
import https from 'node:https';
import { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsTarget } from '../target.js';

export function createKvsClient(target: AwsTarget, endpoint: string | undefined): KinesisVideoClient {
  const agent = new https.Agent({ keepAlive: false, ...(target.ca ? { ca: target.ca } : {}) });
  return new KinesisVideoClient({
    region: target.region,
    maxAttempts: 2,
    requestHandler: new NodeHttpHandler({
      httpsAgent: agent,
      connectionTimeout: 5_000,
      requestTimeout: 30_000,
    }),
    ...(target.credentials ? { credentials: { ...target.credentials } } : {}),
    ...(target.profile ? { profile: target.profile } : {}),
    ...(endpoint ? { endpoint } : {}),
  });
}
