/**
 * Security matrix, IoT control-plane API and credentials provider of the embedded platform: unsigned
 * and wrongly signed API calls, a camera's session credentials calling the API, and the credentials
 * provider without a client certificate, with a revoked one, for a role alias the device policy does
 * not allow and for a thing the certificate is not attached to.
 */
import assert from 'node:assert/strict';
import https from 'node:https';
import {
  CreateRoleAliasCommand,
  IoTClient,
  ListThingsCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { certificateIdOf } from '../../src/broker/identity.js';
import { CAMERA_ROLE_ALIAS } from '../../src/contracts/camera-role.js';
import type { ProvisionedCamera } from '../helpers/app-world.js';
import { sdkOptions } from '../helpers/aws.js';
import { rawRequest, type RawResponse } from '../helpers/https.js';
import { surface } from './matrix.js';
import { sdkRefusal } from './sdk.js';
import { refusal, tlsRefusal } from './observe.js';
import { securityWorld } from './world.js';

const iot = surface('iot', 'IoT API and credentials provider');
const sw = securityWorld();

/** The answer of the credentials provider to `camera` (or no client certificate) for `alias`. */
async function askCredentials(
  camera: ProvisionedCamera | undefined,
  alias: string,
  thingName: string,
): Promise<RawResponse> {
  const { platform, world } = sw();
  const agent = new https.Agent({
    ca: world.ca,
    ...(camera ? { cert: camera.certificatePem, key: camera.keyPem } : {}),
    maxSockets: 1,
  });
  try {
    return await rawRequest(
      agent,
      `${platform.endpoints.iotCredentials ?? ''}/role-aliases/${alias}/credentials`,
      { method: 'GET', headers: { 'x-amzn-iot-thingname': thingName } },
    );
  } finally {
    agent.destroy();
  }
}

/** `status message` of a credentials provider refusal (it answers `{"message"}`, as AWS does). */
function providerRefusal(res: RawResponse, status: number, message: RegExp): string {
  const body = JSON.parse(res.body.toString('utf8')) as { message?: string; credentials?: unknown };
  assert.equal(res.status, status, body.message);
  assert.equal(body.credentials, undefined, 'no credentials in a refusal');
  assert.match(body.message ?? '', message);
  return `${res.status} {"message"}`;
}

function client(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
  const { platform, world } = sw();
  return new IoTClient(sdkOptions(platform.endpoints.iot, world.ca, credentials));
}

iot.row(
  'iot-api-unsigned',
  'IoT API call without a signature',
  '403 MissingAuthenticationTokenException',
  async () => {
    const { platform, world } = sw();
    const res = await rawRequest(world.httpsAgent, `${platform.endpoints.iot}/things`, { method: 'GET' });
    return refusal(res, 403, 'MissingAuthenticationTokenException');
  },
);

iot.row(
  'iot-api-wrong-secret',
  'IoT API call signed with the wrong secret',
  '403 InvalidSignatureException',
  async (t) => {
    const { platform } = sw();
    const bad = client({ ...platform.endpoints.credentials, secretAccessKey: 'x'.repeat(40) });
    t.after(() => bad.destroy());
    return sdkRefusal(bad.send(new ListThingsCommand({})), 403, 'InvalidSignatureException');
  },
);

iot.row(
  'iot-api-unknown-key',
  'IoT API call with an unknown access key',
  '403 UnrecognizedClientException',
  async (t) => {
    const unknown = client({ accessKeyId: 'AKIAI44QH8DHBEXAMPLE', secretAccessKey: 'x'.repeat(40) });
    t.after(() => unknown.destroy());
    return sdkRefusal(unknown.send(new ListThingsCommand({})), 403, 'UnrecognizedClientException');
  },
);

iot.row(
  'iot-api-camera-session',
  "a camera's session credentials (credentials provider) calling the IoT API",
  '403 (the camera role grants no iot: action)',
  async (t) => {
    const { world } = sw();
    const cam = await world.provision('cam-iot-session');
    const res = await askCredentials(cam, CAMERA_ROLE_ALIAS, cam.deviceId);
    assert.equal(res.status, 200);
    const creds = (JSON.parse(res.body.toString()) as { credentials: Record<string, string> }).credentials;
    const asCamera = client({
      accessKeyId: creds['accessKeyId'] ?? '',
      secretAccessKey: creds['secretAccessKey'] ?? '',
      sessionToken: creds['sessionToken'] ?? '',
    });
    t.after(() => asCamera.destroy());
    return sdkRefusal(asCamera.send(new ListThingsCommand({})), 403, 'ForbiddenException');
  },
);

iot.row(
  'creds-no-client-cert',
  'credentials provider without a client certificate',
  'TLS handshake fails',
  async () => tlsRefusal(askCredentials(undefined, CAMERA_ROLE_ALIAS, 'cam-none')),
);

iot.row(
  'creds-revoked-cert',
  'credentials provider with a certificate set to REVOKED (UpdateCertificate)',
  '403 {"message"}',
  async (t) => {
    const { platform, world } = sw();
    const cam = await world.provision('cam-iot-revoked');
    const admin = client(platform.endpoints.credentials);
    t.after(() => admin.destroy());
    const certificateId = certificateIdOf(
      Buffer.from(cam.certificatePem.replace(/-----[^-]+-----|\s/g, ''), 'base64'),
    );
    await admin.send(new UpdateCertificateCommand({ certificateId, newStatus: 'REVOKED' }));
    return providerRefusal(await askCredentials(cam, CAMERA_ROLE_ALIAS, cam.deviceId), 403, /./);
  },
);

iot.row(
  'creds-alias-not-allowed',
  "credentials provider for a role alias the thing's policy does not allow",
  '403 {"message"}',
  async (t) => {
    const { platform, world } = sw();
    const cam = await world.provision('cam-iot-alias');
    const admin = client(platform.endpoints.credentials);
    t.after(() => admin.destroy());
    await admin.send(
      new CreateRoleAliasCommand({
        roleAlias: 'security-other',
        roleArn: 'arn:aws:iam::000000000000:role/other',
        credentialDurationSeconds: 900,
      }),
    );
    return providerRefusal(await askCredentials(cam, 'security-other', cam.deviceId), 403, /./);
  },
);

iot.row(
  'creds-thing-not-attached',
  'credentials provider for a thing the certificate is not attached to',
  '403 {"message"}',
  async () => {
    const { world } = sw();
    const cam = await world.provision('cam-iot-a');
    await world.provision('cam-iot-b');
    return providerRefusal(await askCredentials(cam, CAMERA_ROLE_ALIAS, 'cam-iot-b'), 403, /./);
  },
);

iot.row(
  'creds-unknown-alias',
  'credentials provider for an unknown role alias',
  '404 {"message"}',
  async () => {
    const { world } = sw();
    const cam = await world.provision('cam-iot-unknown');
    return providerRefusal(await askCredentials(cam, 'no-such-alias', cam.deviceId), 404, /./);
  },
);

iot.done();
