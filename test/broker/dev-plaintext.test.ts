/** The dev plaintext listener: explicit flag only, loopback, loud warning, still under the device policy. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closed, connectMqtt, nextMessage, startTestEndpoint } from '../helpers/endpoint.js';

test('plaintext bring-up: loopback only, warned about, policies still enforced', async (t) => {
  const ep = await startTestEndpoint(t, { config: { broker: { devPlaintext: { enabled: true } } } });
  assert.match(ep.broker.plaintextUrl ?? '', /^mqtt:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(ep.logs.some((l) => l.level === 40 && /DEV ONLY/.test(String(l.msg))));
  const cam = await connectMqtt(ep.broker.plaintextUrl ?? '', { clientId: 'cam-p' });
  t.after(() => cam.end(true));
  await cam.subscribeAsync('camlink/devices/cam-p/#', { qos: 1 });
  const own = nextMessage(cam, 'camlink/devices/cam-p/status');
  await cam.publishAsync('camlink/devices/cam-p/status', 'up', { qos: 1 });
  assert.equal((await own).toString(), 'up');
  const gone = closed(cam);
  cam.publish('camlink/devices/cam-q/status', 'forged', { qos: 1 });
  await gone;
  await assert.rejects(connectMqtt(ep.broker.plaintextUrl ?? '', { clientId: 'bad/id' }));
});
