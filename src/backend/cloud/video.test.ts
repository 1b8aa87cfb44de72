/**
 * backend.video.region: the KVS clients call the video region (e.g. Beijing for a Ningxia deployment,
 * where KVS is not offered), not the backend's own region. The request is caught before it leaves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backendConfigSchema } from '../../config/schema.js';
import { systemClock } from '../../util/clock.js';
import { KvsVideoStreams } from './video.js';

function capturingClient(region: string) {
  const hosts: string[] = [];
  const config = {
    region,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-example-key-000000' },
    maxAttempts: 1,
    requestHandler: {
      handle(request: { hostname: string }): Promise<never> {
        hosts.push(request.hostname);
        return Promise.reject(Object.assign(new Error('captured'), { name: 'Captured' }));
      },
    },
  };
  return { config, hosts };
}

test('backend.video.region sends KVS calls to that region; unset, to the backend region', async () => {
  const video = backendConfigSchema.parse({ video: { region: 'cn-north-1' } }).video;
  assert.equal(video.region, 'cn-north-1');
  const beijing = capturingClient('cn-northwest-1');
  const streams = new KvsVideoStreams(beijing.config, video, systemClock);
  assert.equal(await streams.region(), 'cn-north-1');
  await assert.rejects(streams.ensureStream('cam-1'));
  streams.close();
  assert.deepEqual(beijing.hosts, ['kinesisvideo.cn-north-1.amazonaws.com.cn']);

  const defaults = backendConfigSchema.parse({}).video;
  assert.equal(defaults.region, undefined);
  const own = capturingClient('ap-northeast-1');
  const same = new KvsVideoStreams(own.config, defaults, systemClock);
  await assert.rejects(same.ensureStream('cam-1'));
  same.close();
  assert.deepEqual(own.hosts, ['kinesisvideo.ap-northeast-1.amazonaws.com']);
});

test('backend.video.region must be a region name', () => {
  assert.throws(() => backendConfigSchema.parse({ video: { region: 'Beijing' } }), /not an AWS region name/);
});
