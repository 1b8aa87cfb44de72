/**
 * The camera's credential provider against `camlink up`'s IoT credentials provider: temporary
 * credentials for its own thing; a clear coded error with the provider's reason when refused.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { deviceCredentialProvider, fetchDeviceCredentials } from '../../../src/device/video/credentials.js';
import { appWorld } from '../../helpers/app-world.js';
import { startTestPlatform } from '../../helpers/platform.js';
import { tempDir } from '../../helpers/tmp.js';

test('a camera fetches temporary credentials from the IoT credentials provider', async (t) => {
  const dir = await tempDir(t);
  const { platform } = await startTestPlatform(t, join(dir, 'platform'));
  const world = await appWorld(t, platform);
  const cam = await world.provision('cam-video-creds');
  const url = platform.endpoints.iotCredentials ?? '';
  const options = {
    url,
    deviceId: cam.deviceId,
    certificatePem: cam.certificatePem,
    keyPem: cam.keyPem,
    ca: world.ca,
  };
  const provider = deviceCredentialProvider(options);
  const credentials = await provider();
  assert.match(credentials.accessKeyId, /^ASIA/);
  assert.ok(credentials.sessionToken.length > 0);
  assert.ok(credentials.expiration.getTime() > Date.now() + 3_000_000);
  assert.equal(await provider(), credentials, 'cached');

  await assert.rejects(fetchDeviceCredentials({ ...options, deviceId: 'someone-else' }), (err: Error) => {
    assert.equal((err as { code?: string }).code, 'DEVICE_CREDENTIALS_REFUSED');
    assert.match(err.message, /403/);
    return true;
  });
  await assert.rejects(fetchDeviceCredentials({ ...options, roleAlias: 'no-such-alias' }), {
    code: 'DEVICE_CREDENTIALS_REFUSED',
  });
  await assert.rejects(fetchDeviceCredentials({ ...options, ca: undefined }), {
    code: 'DEVICE_CREDENTIALS_FAILED',
  });
});
