/**
 * Real clients with no endpoint override reach the embedded platform under the cloud's host names: the
 * AWS SDK's S3 (virtual-hosted), SQS and IoT clients with only `region`, fetch and mqtt.js, all through
 * the preload's redirect, verifying the rehearsal's public / ATS certificates, never the operator CA.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backendIdentityPaths } from '../../src/backend/cloud/services.js';
import { cloudNames } from '../../src/rehearsal/names.js';
import { chinaTarget, globalTarget, ok, runCloudClient, startRehearsal } from './helpers.js';

for (const target of [globalTarget, chinaTarget]) {
  test(`cloud-shaped clients reach the platform as ${target.partition} ${target.region}`, async (t) => {
    const world = await startRehearsal(t, target);
    const names = cloudNames(target);
    const { credentials } = world.platform.endpoints;
    const identity = backendIdentityPaths(
      world.platform.endpoints.caPath.replace(/\/pki\/ca\.cert\.pem$/, ''),
    );
    const results = await runCloudClient(
      world,
      {
        region: target.region,
        steps: [
          { op: 's3.put', bucket: 'camlink-media', key: 'rehearsal/a.txt', body: 'hello cloud' },
          { op: 's3.get', bucket: 'camlink-media', key: 'rehearsal/a.txt' },
          { op: 'sqs.listQueues' },
          { op: 'iot.listThings' },
          { op: 'fetch', url: `https://camlink-media.${names.s3}/rehearsal/a.txt` },
          {
            op: 'mqtt',
            url: `mqtts://${names.iotData}:8883`,
            caFile: world.files.atsRootCert,
            certFile: identity.certPath,
            keyFile: identity.keyPath,
            clientId: 'camlink-backend',
          },
          // The operator CA is not what the IoT data endpoint presents any more.
          {
            op: 'mqtt',
            url: `mqtts://${names.iotData}:8883`,
            caFile: world.platform.endpoints.caPath,
            certFile: identity.certPath,
            keyFile: identity.keyPath,
            clientId: 'camlink-backend',
          },
          {
            op: 'iotCredentials',
            host: names.iotCredentials,
            caFile: world.files.atsRootCert,
            certFile: identity.certPath,
            keyFile: identity.keyPath,
            thing: 'camlink-backend',
          },
          { op: 'iot.describeEndpoint', endpointType: 'iot:Data-ATS' },
          { op: 'iot.describeEndpoint', endpointType: 'iot:CredentialProvider' },
          { op: 'kvs.createStream', streamName: 'rehearsal-stream' },
          { op: 'kvs.getDataEndpoint', streamName: 'rehearsal-stream' },
          { op: 'fetch', url: `https://s-1a2b3c4d.${names.kvs}/getMedia` },
          ...(names.cos
            ? [
                {
                  op: 'fetch',
                  url: `https://camlink-media-${target.cos?.appId ?? ''}.${names.cos.virtualHostDomain}/k`,
                },
              ]
            : []),
        ],
      },
      { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey },
    );
    assert.equal(ok(results, 0), null);
    assert.equal(ok(results, 1), 'hello cloud');
    const queues = ok(results, 2) as string[];
    assert.ok(
      queues.some((q) => q.endsWith('/camlink-uploads')),
      JSON.stringify(queues),
    );
    assert.ok((ok(results, 3) as string[]).includes('camlink-backend'));
    const anonymous = ok(results, 4) as { status: number; body: string };
    assert.equal(anonymous.status, 403);
    assert.match(anonymous.body, /<Code>AccessDenied<\/Code>/);
    assert.equal(ok(results, 5), 'connected');
    assert.equal(results[6]?.ok, false);
    assert.match(results[6]?.error?.message ?? '', /certificate/i);
    // The credentials provider answers over mutual TLS under its cloud name (the backend's certificate
    // may not assume the camera role: a 403 from the provider itself, in its JSON shape).
    const provider = ok(results, 7) as { status: number; body: string };
    assert.equal(provider.status, 403);
    assert.match(provider.body, /AssumeRoleWithCertificate/);
    // The services answer with the cloud names (tls.advertise), which the clients then follow.
    assert.ok(
      queues.every((q) => q.startsWith(`https://${names.sqs}/000000000000/`)),
      JSON.stringify(queues),
    );
    assert.equal(ok(results, 8), names.iotData);
    assert.equal(ok(results, 9), names.iotCredentials);
    assert.match(String(ok(results, 10)), /^arn:aws(-cn)?:kinesisvideo:/);
    assert.equal(ok(results, 11), `https://s-1a2b3c4d.${names.kvs}`);
    const data = ok(results, 12) as { status: number; body: string };
    assert.equal(data.status, 403, JSON.stringify(data));
    if (names.cos) {
      // A COS virtual-hosted name reaches the store, which takes it as bucket <name>-<appid>.
      const cos = ok(results, 13) as { status: number; body: string };
      assert.equal(cos.status, 403);
      assert.match(cos.body, /<Code>AccessDenied<\/Code>/);
    }
  });
}
