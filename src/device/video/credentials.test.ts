/** The credential cache: one fetch until 5 minutes before expiry (fake clock), shared while pending. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CamlinkError } from '../../errors/camlink-error.js';
import { deviceCredentialProvider, type DeviceCredentials } from './credentials.js';

function fakeClock(start: number) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

test('deviceCredentialProvider caches until 5 minutes before expiration', async () => {
  const clock = fakeClock(Date.parse('2026-01-01T00:00:00Z'));
  let calls = 0;
  const provider = deviceCredentialProvider({
    url: 'https://127.0.0.1:1',
    deviceId: 'cam-1',
    certificatePem: '',
    keyPem: '',
    clock,
    fetch: (): Promise<DeviceCredentials> => {
      calls += 1;
      return Promise.resolve({
        accessKeyId: `ASIA${calls}`,
        secretAccessKey: 'secret',
        sessionToken: 'token',
        expiration: new Date(clock.now().getTime() + 3_600_000),
      });
    },
  });
  const [a, b] = await Promise.all([provider(), provider()]);
  assert.equal(calls, 1, 'concurrent callers share one request');
  assert.equal(a, b);
  clock.advance(3_600_000 - 300_001);
  assert.equal((await provider()).accessKeyId, 'ASIA1');
  clock.advance(1);
  assert.equal((await provider()).accessKeyId, 'ASIA2');
  assert.equal(calls, 2);
});

test('deviceCredentialProvider does not cache a failure', async () => {
  let calls = 0;
  const provider = deviceCredentialProvider({
    url: 'https://127.0.0.1:1',
    deviceId: 'cam-1',
    certificatePem: '',
    keyPem: '',
    fetch: () => {
      calls += 1;
      return Promise.reject(new CamlinkError('DEVICE_CREDENTIALS_REFUSED', 'no'));
    },
  });
  await assert.rejects(provider(), { code: 'DEVICE_CREDENTIALS_REFUSED' });
  await assert.rejects(provider(), { code: 'DEVICE_CREDENTIALS_REFUSED' });
  assert.equal(calls, 2);
});
