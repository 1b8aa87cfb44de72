/**
 * Security matrix, SQS-compatible queue of the embedded platform: unsigned, wrongly signed and unknown
 * credentials, a camera's session credentials, and a message over the size limit.
 */
import { ListQueuesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { sdkOptions } from '../helpers/aws.js';
import { rawRequest } from '../helpers/https.js';
import { surface } from './matrix.js';
import { refusal } from './observe.js';
import { sdkRefusal } from './sdk.js';
import { cameraSession, securityWorld } from './world.js';

const queue = surface('queue', 'SQS queue');
const sw = securityWorld();
/** SQS's default (and largest) MaximumMessageSize, the upload queue's. */
const MAX_MESSAGE_BYTES = 262_144;

function sqs(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
  const { platform, world } = sw();
  return new SQSClient(sdkOptions(platform.endpoints.sqs, world.ca, credentials));
}

queue.row(
  'sqs-unsigned',
  'ListQueues without a signature',
  '403 MissingAuthenticationTokenException',
  async () => {
    const { platform, world } = sw();
    const res = await rawRequest(world.httpsAgent, `${platform.endpoints.sqs}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' },
      body: '{}',
    });
    return refusal(res, 403, 'MissingAuthenticationTokenException');
  },
);

queue.row(
  'sqs-wrong-secret',
  'ListQueues signed with the wrong secret',
  '403 SignatureDoesNotMatch',
  async (t) => {
    const client = sqs({ ...sw().platform.endpoints.credentials, secretAccessKey: 'x'.repeat(40) });
    t.after(() => client.destroy());
    return sdkRefusal(client.send(new ListQueuesCommand({})), 403, 'SignatureDoesNotMatch');
  },
);

queue.row(
  'sqs-unknown-key',
  'ListQueues with an unknown access key',
  '403 InvalidClientTokenId',
  async (t) => {
    const client = sqs({ accessKeyId: 'AKIAI44QH8DHBEXAMPLE', secretAccessKey: 'x'.repeat(40) });
    t.after(() => client.destroy());
    return sdkRefusal(client.send(new ListQueuesCommand({})), 403, 'InvalidClientTokenId');
  },
);

queue.row(
  'sqs-camera-session',
  "a camera's session credentials sending to the upload queue",
  '403 AccessDenied (the camera role grants no sqs: action)',
  async (t) => {
    const w = sw();
    const client = sqs(await cameraSession(w, await w.world.provision('cam-sqs')));
    t.after(() => client.destroy());
    return sdkRefusal(
      client.send(
        new SendMessageCommand({ QueueUrl: w.platform.endpoints.uploadQueueUrl, MessageBody: '{}' }),
      ),
      403,
      'AccessDenied',
    );
  },
);

queue.row(
  'sqs-oversize-message',
  'SendMessage with a body one byte over the limit',
  '400 InvalidParameterValue',
  async (t) => {
    const w = sw();
    const client = sqs(w.platform.endpoints.credentials);
    t.after(() => client.destroy());
    return sdkRefusal(
      client.send(
        new SendMessageCommand({
          QueueUrl: w.platform.endpoints.uploadQueueUrl,
          MessageBody: 'x'.repeat(MAX_MESSAGE_BYTES + 1),
        }),
      ),
      400,
      'InvalidParameterValue',
    );
  },
);

queue.done();
