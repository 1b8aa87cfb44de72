/**
 * Security matrix, KVS-compatible video of the embedded platform: a camera's session credentials
 * pushing media into, or asking an HLS session for, another camera's stream, and unsigned calls.
 */
import assert from 'node:assert/strict';
import {
  GetHLSStreamingSessionURLCommand,
  KinesisVideoArchivedMediaClient,
} from '@aws-sdk/client-kinesis-video-archived-media';
import { sdkOptions } from '../helpers/aws.js';
import { rawRequest } from '../helpers/https.js';
import { putMedia } from '../helpers/put-media.js';
import { surface } from './matrix.js';
import { refusal } from './observe.js';
import { sdkRefusal } from './sdk.js';
import { cameraSession, securityWorld } from './world.js';

const video = surface('video', 'KVS video');
const sw = securityWorld();

function kvsUrl(): string {
  const url = sw().platform.endpoints.kvs;
  assert.ok(url, 'the platform runs the KVS-compatible service');
  return url;
}

/** Two provisioned cameras; provisioning creates each one's stream. */
async function twoCameras(prefix: string) {
  const w = sw();
  const own = await w.world.provision(`${prefix}-a`);
  const victim = await w.world.provision(`${prefix}-b`);
  return { own, victim, session: await cameraSession(w, own) };
}

video.row(
  'kvs-putmedia-other-stream',
  "camera session credentials: PutMedia to another camera's stream",
  '401 NotAuthorizedException',
  async () => {
    const { victim, session } = await twoCameras('cam-kvs-put');
    const call = await putMedia({
      endpoint: kvsUrl(),
      ca: sw().world.ca,
      credentials: session,
      stream: victim.deviceId,
    });
    await call.end();
    const { status, body, headers } = await call.done;
    return refusal({ status, headers, body: Buffer.from(body) }, 401, 'NotAuthorizedException');
  },
);

video.row(
  'kvs-hls-other-stream',
  "camera session credentials: GetHLSStreamingSessionURL of another camera's stream",
  '401 NotAuthorizedException',
  async (t) => {
    const { victim, session } = await twoCameras('cam-kvs-hls');
    const archived = new KinesisVideoArchivedMediaClient(sdkOptions(kvsUrl(), sw().world.ca, session));
    t.after(() => archived.destroy());
    return sdkRefusal(
      archived.send(new GetHLSStreamingSessionURLCommand({ StreamName: victim.deviceId })),
      401,
      'NotAuthorizedException',
    );
  },
);

video.row(
  'kvs-unsigned',
  'DescribeStream without a signature',
  '403 MissingAuthenticationTokenException',
  async () => {
    const res = await rawRequest(sw().world.httpsAgent, `${kvsUrl()}/describeStream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ StreamName: 'anything' }),
    });
    return refusal(res, 403, 'MissingAuthenticationTokenException');
  },
);

video.done();
