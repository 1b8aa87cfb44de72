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

export function createAwsClients(target: AwsTarget): AwsClients {
  const agent = new https.Agent({ keepAlive: true, ...(target.ca ? { ca: target.ca } : {}) });
  const common = {
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
