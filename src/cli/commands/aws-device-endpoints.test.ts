/** DescribeEndpoint addresses as URLs: AWS answers bare hosts, the embedded platform host:port. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpointUrl } from './aws-device-endpoints.js';

test('DescribeEndpoint addresses: AWS bare hosts get the service ports, host:port is kept', () => {
  const host = 'a1b2c3-ats.iot.eu-west-1.amazonaws.com';
  assert.equal(endpointUrl(host, 'mqtts', 8883), `mqtts://${host}:8883`);
  assert.equal(
    endpointUrl('c1.credentials.iot.eu-west-1.amazonaws.com', 'https', 443),
    'https://c1.credentials.iot.eu-west-1.amazonaws.com',
  );
  assert.equal(endpointUrl('127.0.0.1:40123', 'mqtts', 8883), 'mqtts://127.0.0.1:40123');
  assert.equal(endpointUrl('localhost:8443', 'https', 443), 'https://localhost:8443');
  assert.equal(endpointUrl('[::1]:9000', 'https', 443), 'https://[::1]:9000');
  for (const bad of ['', 'https://x', 'host:0', 'host:70000', 'a b']) {
    assert.throws(() => endpointUrl(bad, 'https', 443), /UPSTREAM_FAILED|not a host/);
  }
});
