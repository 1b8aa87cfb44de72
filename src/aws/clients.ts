/** The SDK clients `camlink aws ...` uses, built once from a target and destroyed together. */
import https from 'node:https';
import { IoTClient } from '@aws-sdk/client-iot';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsTarget } from './target.js';

export interface AwsClients {
  readonly iot: IoTClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  destroy(): void;
}

/** What every `camlink aws` client shares: the target's region, credentials or profile, timeouts. */
export function awsClientConfig(target: AwsTarget, agent: https.Agent) {
  return {
    region: target.region,
    maxAttempts: 2,
    requestHandler: new NodeHttpHandler({
      httpsAgent: agent,
      connectionTimeout: 5_000,
      requestTimeout: 30_000,
    }),
    ...(target.credentials ? { credentials: { ...target.credentials } } : {}),
    ...(target.profile ? { profile: target.profile } : {}),
  };
}

/** The agent for a target: its extra CA, if any, for an HTTPS endpoint override. */
export function awsAgent(target: AwsTarget, keepAlive: boolean): https.Agent {
  return new https.Agent({ keepAlive, ...(target.ca ? { ca: target.ca } : {}) });
}

export function createAwsClients(target: AwsTarget): AwsClients {
  const agent = awsAgent(target, true);
  const common = awsClientConfig(target, agent);
  const iot = new IoTClient({ ...common, ...(target.iotEndpoint ? { endpoint: target.iotEndpoint } : {}) });
  const s3 = new S3Client({
    ...common,
    ...(target.s3Endpoint ? { endpoint: target.s3Endpoint } : {}),
    forcePathStyle: target.s3Endpoint !== undefined,
  });
  const sqs = new SQSClient({ ...common, ...(target.sqsEndpoint ? { endpoint: target.sqsEndpoint } : {}) });
  return {
    iot,
    s3,
    sqs,
    destroy() {
      iot.destroy();
      s3.destroy();
      sqs.destroy();
      agent.destroy();
    },
  };
}
