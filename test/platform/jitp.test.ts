/**
 * The platform's IoT control plane and endpoint together: a device made with `camlink device create`
 * connects via JITP (the first connection is dropped, the retry connects); an operator identity set up
 * through @aws-sdk/client-iot sees the registration event; UpdateCertificate REVOKED disconnects the
 * device and it cannot reconnect.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateCertificateFromCsrCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  DescribeCertificateCommand,
  DescribeThingCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createDevice } from '../../src/pki/device.js';
import { pkiContext } from '../../src/pki/context.js';
import { x509 } from '../../src/pki/x509.js';
import { subtle, privateKeyToPem } from '../../src/pki/keys.js';
import { sdkOptions } from '../helpers/aws.js';
import { closed, connectMqtt, nextMessage, SkewClock } from '../helpers/endpoint.js';
import { tempDir } from '../helpers/tmp.js';
import { startTestPlatform } from '../helpers/platform.js';

test('JITP: first connection dropped, retry connects; REVOKED disconnects and locks out', async (t) => {
  const dataDir = await tempDir(t);
  const clock = new SkewClock();
  // This test reads the upload queue itself; the platform's backend must not consume it.
  const { platform, config } = await startTestPlatform(t, dataDir, {
    clock,
    extra: { backend: { reconciler: { enabled: false } } },
  });
  const { endpoints } = platform;
  const ca = await readFile(endpoints.caPath);
  const iot = new IoTClient(sdkOptions(endpoints.iot, ca, endpoints.credentials));
  t.after(() => iot.destroy());

  // An operator identity through the official SDK: key pair, CSR, certificate, policy, thing.
  const keys = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=operator',
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const op = await iot.send(
    new CreateCertificateFromCsrCommand({
      certificateSigningRequest: csr.toString('pem'),
      setAsActive: true,
    }),
  );
  await iot.send(
    new CreatePolicyCommand({
      policyName: 'operator',
      policyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }],
      }),
    }),
  );
  await iot.send(new AttachPolicyCommand({ policyName: 'operator', target: op.certificateArn }));
  await iot.send(new CreateThingCommand({ thingName: 'operator' }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'operator', principal: op.certificateArn }));
  const operator = await connectMqtt(endpoints.mqtt, {
    ca,
    cert: op.certificatePem ?? '',
    key: await privateKeyToPem(keys.privateKey),
    clientId: 'operator',
    servername: 'localhost',
  });
  t.after(() => operator.end(true));
  await operator.subscribeAsync('$aws/events/certificates/registered/+', { qos: 1 });

  // A camera identity from the CLI's library; it has never been registered.
  const device = await createDevice(pkiContext(dataDir, config.pki), 'cam-jitp', {
    outDir: join(dataDir, 'devices'),
    force: false,
  });
  const files = {
    ca,
    cert: await readFile(device.certPath),
    key: await readFile(device.keyPath),
    clientId: 'cam-jitp',
    servername: 'localhost',
  };

  const registered = new Promise<Record<string, unknown>>((resolve) => {
    operator.on('message', (topic, payload) => {
      if (topic.startsWith('$aws/events/certificates/registered/'))
        resolve(JSON.parse(payload.toString()) as Record<string, unknown>);
    });
  });
  await assert.rejects(
    connectMqtt(endpoints.mqtt, files),
    /closed before CONNACK/,
    'the first connection is dropped (AWS JITP)',
  );
  const event = await registered;
  assert.equal(event.certificateId, device.certificateId);
  assert.equal(event.certificateStatus, 'PENDING_ACTIVATION');

  const description = await iot.send(new DescribeCertificateCommand({ certificateId: device.certificateId }));
  assert.equal(description.certificateDescription?.status, 'ACTIVE');
  assert.equal((await iot.send(new DescribeThingCommand({ thingName: 'cam-jitp' }))).thingName, 'cam-jitp');
  const policies = await iot.send(
    new ListAttachedPoliciesCommand({ target: description.certificateDescription?.certificateArn }),
  );
  assert.deepEqual(
    policies.policies?.map((p) => p.policyName),
    ['camlink-device'],
  );

  clock.advance(1000); // a device retries after a back-off (AWS: 1 CONNECT per second per client id)
  const cam = await connectMqtt(endpoints.mqtt, files);
  t.after(() => cam.end(true));
  await operator.subscribeAsync('camlink/devices/+/status', { qos: 1 });
  const status = nextMessage(operator, 'camlink/devices/cam-jitp/status');
  await cam.publishAsync('camlink/devices/cam-jitp/status', 'online', { qos: 1 });
  assert.equal((await status).toString(), 'online');

  // The upload rule: an announcement the endpoint acknowledged is in the SQS-compatible queue.
  await cam.publishAsync(
    'camlink/devices/cam-jitp/uploads',
    JSON.stringify({ key: 'cam-jitp/a.jpg', size: 3 }),
    { qos: 1 },
  );
  const sqs = new SQSClient(sdkOptions(endpoints.sqs, ca, endpoints.credentials));
  t.after(() => sqs.destroy());
  const received = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: endpoints.uploadQueueUrl, WaitTimeSeconds: 5 }),
  );
  const upload = JSON.parse(received.Messages?.[0]?.Body ?? '{}') as Record<string, unknown>;
  assert.equal(upload.key, 'cam-jitp/a.jpg');
  assert.equal(upload.deviceId, 'cam-jitp');

  const gone = closed(cam);
  await iot.send(new UpdateCertificateCommand({ certificateId: device.certificateId, newStatus: 'REVOKED' }));
  await gone;
  clock.advance(1000);
  await assert.rejects(connectMqtt(endpoints.mqtt, files), /closed before CONNACK/);
});
