/**
 * Endpoint discovery against the embedded KVS control plane (src/video): DescribeStream, then
 * GetDataEndpoint(PUT_MEDIA); a missing stream is named in a DEVICE_STREAM_NOT_FOUND error, unknown
 * keys are DEVICE_KVS_REFUSED.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis-video';
import { discoverPutMediaEndpoint } from '../../../src/device/video/kvs-endpoint.js';
import { EXAMPLE_KEYS, startTestVideo } from '../../helpers/video.js';

test('discoverPutMediaEndpoint: the data endpoint of an existing stream', async (t) => {
  const video = await startTestVideo(t);
  await video.client().send(new CreateStreamCommand({ StreamName: 'cam-kvs', DataRetentionInHours: 2 }));
  const options = {
    streamName: 'cam-kvs',
    region: 'us-east-1',
    endpoint: video.server.url,
    ca: video.ca,
    credentials: () => Promise.resolve(EXAMPLE_KEYS),
  };
  const found = await discoverPutMediaEndpoint(options);
  assert.match(found.dataEndpoint, /^https?:\/\/[^/]+$/);
  assert.equal(found.status, 'ACTIVE');
  assert.equal(found.dataRetentionInHours, 2);
  assert.match(found.streamArn ?? '', /^arn:aws:kinesisvideo:us-east-1:\d+:stream\/cam-kvs\/\d+$/);

  await assert.rejects(discoverPutMediaEndpoint({ ...options, streamName: 'cam-none' }), (err: Error) => {
    assert.equal((err as { code?: string }).code, 'DEVICE_STREAM_NOT_FOUND');
    assert.match(err.message, /no stream named cam-none/);
    return true;
  });
  await assert.rejects(
    discoverPutMediaEndpoint({
      ...options,
      credentials: () => Promise.resolve({ accessKeyId: 'AKIDUNKNOWN000000000', secretAccessKey: 'x' }),
    }),
    { code: 'DEVICE_KVS_REFUSED' },
  );
});
