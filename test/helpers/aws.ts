/** AWS SDK v3 clients pointed at the embedded services, trusting the camlink CA. */
import https from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export const TEST_CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

export function sdkOptions(endpoint: string, ca: Buffer, credentials = TEST_CREDENTIALS) {
  return {
    endpoint,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca, keepAlive: true }) }),
  };
}
