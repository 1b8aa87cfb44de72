/**
 * The direct-upload flow end to end through the platform as `camlink up` runs it (backend inside, its
 * reconciler and MQTT session on), every hop a real peer over a real socket: the backend API over HTTPS,
 * the object store (pre-signed PUT/GET), the MQTT endpoint (mutual TLS, device/backend/app policies), the
 * topic rule and the queue, the IoT control plane (@aws-sdk/client-iot), server-sent events. Once on the
 * SQLite store and once on PostgreSQL.
 *
 * provision (CSR) -> pair (signature) -> URL (API, and over MQTT) -> PUT -> notify (MQTT) -> reconcile
 * -> SSE + MQTT user event -> list with a GET URL -> download the same bytes.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { test, type TestContext } from 'node:test';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateCertificateFromCsrCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  IoTClient,
} from '@aws-sdk/client-iot';
import type { MqttClient } from 'mqtt';
import { sdkOptions } from '../helpers/aws.js';
import { createTestSchema, TEST_POSTGRES_URL, type StoreKind } from '../helpers/backend-store.js';
import {
  announceUpload,
  deviceKeyAndCsr,
  signChallenge,
  type ChallengeBody,
} from '../helpers/backend-devices.js';
import { connectMqtt } from '../helpers/endpoint.js';
import { rawRequest } from '../helpers/https.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

async function postgresSchema(t: TestContext): Promise<string> {
  const schema = await createTestSchema(t, 'camlink_e2e');
  // libpq's options parameter: every connection of the pool works in the test's own schema.
  const url = new URL(TEST_POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** SSE client: upload.completed events by upload id. */
function eventStream(
  t: TestContext,
  apiUrl: string,
  token: string,
  ca: Buffer,
): Promise<{ next: (uploadId: string) => Promise<Record<string, unknown>> }> {
  const seen = new Map<string, Record<string, unknown>>();
  const waiting = new Map<string, (event: Record<string, unknown>) => void>();
  return new Promise((resolve, reject) => {
    const req = https.get(
      `${apiUrl}/v1/events`,
      { ca, headers: { authorization: `Bearer ${token}` }, servername: 'localhost' },
      (res) => {
        assert.equal(res.statusCode, 200);
        assert.match(String(res.headers['content-type']), /^text\/event-stream/);
        let buffer = '';
        res.on('data', (d: Buffer) => {
          buffer += d.toString();
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end).split('\n');
            buffer = buffer.slice(end + 2);
            if (!block.includes('event: upload.completed')) continue;
            const data = block.find((l) => l.startsWith('data: '));
            if (data === undefined) continue;
            const event = JSON.parse(data.slice(6)) as { data: { uploadId: string } };
            seen.set(event.data.uploadId, event);
            waiting.get(event.data.uploadId)?.(event);
          }
        });
        resolve({
          next: (uploadId) =>
            new Promise((done) => {
              const already = seen.get(uploadId);
              if (already) done(already);
              else waiting.set(uploadId, done);
            }),
        });
      },
    );
    req.on('error', reject);
    t.after(() => req.destroy());
  });
}

/** The next message on `topic` (whose JSON `type` is `type`, when given: user events also carry presence). */
function nextOn(client: MqttClient, topic: string, type?: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (got: string, payload: Buffer) => {
      if (got !== topic) return;
      const body = JSON.parse(payload.toString()) as Record<string, unknown>;
      if (type !== undefined && body['type'] !== type) return;
      client.removeListener('message', onMessage);
      resolve(body);
    };
    client.on('message', onMessage);
  });
}

for (const kind of ['sqlite', 'postgres'] as StoreKind[]) {
  test(`direct upload end to end through camlink up [${kind}]`, async (t) => {
    const dataDir = await tempDir(t);
    const postgresUrl = kind === 'postgres' ? await postgresSchema(t) : undefined;
    const { platform } = await startTestPlatform(t, dataDir, {
      extra: { backend: { reconciler: { waitTimeSeconds: 1 }, store: postgresUrl ? { postgresUrl } : {} } },
    });
    const { endpoints } = platform;
    const ca = await readFile(endpoints.caPath);
    const agent = new https.Agent({ ca, keepAlive: true });
    t.after(() => agent.destroy());
    const operatorToken = (await readFile(platform.operatorTokenFile, 'utf8')).trim();
    const api = async <T>(method: string, path: string, token: string, body?: unknown): Promise<T> => {
      const res = await rawRequest(agent, `${endpoints.api}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.body.toString()}`);
      return (res.body.length ? JSON.parse(res.body.toString()) : {}) as T;
    };
    const health = await api<{ store: string }>('GET', '/healthz', operatorToken);
    assert.equal(health.store, kind);

    // The operator provisions the camera from a CSR (its key never leaves it) and creates the user.
    const cam = await deviceKeyAndCsr('CN=cam-e2e');
    const provisioned = await api<{ certificatePem: string }>(
      'POST',
      '/v1/devices/provision',
      operatorToken,
      {
        deviceId: 'cam-e2e',
        csr: cam.csr,
      },
    );
    const { user, token } = await api<{ user: { id: string }; token: { token: string } }>(
      'POST',
      '/v1/users',
      operatorToken,
      { name: 'Alice' },
    );
    const userToken = token.token;

    // Pairing: the camera signs the challenge (over PTP/IP in the product) with its device key.
    const c = await api<ChallengeBody>('POST', '/v1/pairing/challenges', userToken, { deviceId: 'cam-e2e' });
    await api('POST', '/v1/pairing', userToken, {
      challengeId: c.challengeId,
      signature: signChallenge(c, cam.key),
    });

    // The user's clients: an SSE stream, and an app identity with an MQTT session on the user topic.
    const events = await eventStream(t, endpoints.api, userToken, ca);
    const iot = new IoTClient(sdkOptions(endpoints.iot, ca, endpoints.credentials));
    t.after(() => iot.destroy());
    const appKeys = await deviceKeyAndCsr('CN=app-alice');
    const appCert = await iot.send(
      new CreateCertificateFromCsrCommand({ certificateSigningRequest: appKeys.csr, setAsActive: true }),
    );
    const arn = (resource: string) =>
      `arn:${endpoints.partition}:iot:${endpoints.region}:${endpoints.accountId}:${resource}`;
    await iot.send(
      new CreatePolicyCommand({
        policyName: 'app-alice',
        policyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'iot:Connect', Resource: arn('client/app-alice') },
            {
              Effect: 'Allow',
              Action: 'iot:Subscribe',
              Resource: arn(`topicfilter/camlink/users/${user.id}/events`),
            },
            {
              Effect: 'Allow',
              Action: 'iot:Receive',
              Resource: arn(`topic/camlink/users/${user.id}/events`),
            },
          ],
        }),
      }),
    );
    await iot.send(new AttachPolicyCommand({ policyName: 'app-alice', target: appCert.certificateArn }));
    await iot.send(new CreateThingCommand({ thingName: 'app-alice' }));
    await iot.send(
      new AttachThingPrincipalCommand({ thingName: 'app-alice', principal: appCert.certificateArn }),
    );
    const app = await connectMqtt(endpoints.mqtt, {
      clientId: 'app-alice',
      key: appKeys.keyPem,
      cert: appCert.certificatePem,
      ca,
      servername: 'localhost',
    });
    t.after(() => app.end(true));
    await app.subscribeAsync(`camlink/users/${user.id}/events`, { qos: 1 });

    const camera = await connectMqtt(endpoints.mqtt, {
      clientId: 'cam-e2e',
      key: cam.keyPem,
      cert: provisioned.certificatePem,
      ca,
      servername: 'localhost',
    });
    t.after(() => camera.end(true));
    await camera.subscribeAsync('camlink/devices/cam-e2e/upload-url/+', { qos: 1 });

    const shoot = async (
      issued: {
        uploadId: string;
        bucket: string;
        key: string;
        url: string;
        put: { url: string; headers: Record<string, string> };
      },
      photo: Buffer,
    ) => {
      const put = await rawRequest(agent, issued.put.url, {
        method: 'PUT',
        headers: issued.put.headers,
        body: photo,
      });
      assert.equal(put.status, 200, put.body.toString());
      await announceUpload(camera, 'cam-e2e', issued, photo);
    };

    // 1. The app asks for the URL and hands it to the camera; the camera PUTs and announces.
    const photo1 = randomBytes(64 * 1024);
    type Issued = {
      uploadId: string;
      bucket: string;
      key: string;
      url: string;
      put: { url: string; headers: Record<string, string> };
    };
    const issued = await api<Issued>('POST', '/v1/devices/cam-e2e/uploads', userToken, {
      contentType: 'image/jpeg',
      size: photo1.length,
    });
    const viaMqtt1 = nextOn(app, `camlink/users/${user.id}/events`, 'upload.completed');
    await shoot(issued, photo1);
    const sse1 = await events.next(issued.uploadId);
    assert.equal(sse1.type, 'upload.completed');
    const data1 = sse1.data as Record<string, unknown>;
    assert.equal(data1.size, photo1.length);
    assert.equal(data1.sha256, createHash('sha256').update(photo1).digest('hex'));
    assert.equal(data1.url, issued.url);
    const mqtt1 = await viaMqtt1;
    assert.equal(mqtt1.id, sse1.id, 'the MQTT user event is the SSE event');

    // 2. The camera asks for its own URL over MQTT (online without the app).
    const photo2 = randomBytes(10_000);
    const answered = nextOn(camera, 'camlink/devices/cam-e2e/upload-url/accepted');
    await camera.publishAsync(
      'camlink/devices/cam-e2e/upload-url/request',
      JSON.stringify({ clientToken: 'shot-2', contentType: 'image/jpeg', size: photo2.length }),
      { qos: 1 },
    );
    const accepted = (await answered) as unknown as Issued & { clientToken: string };
    assert.equal(accepted.clientToken, 'shot-2');
    await shoot(accepted, photo2);
    await events.next(accepted.uploadId);

    // 3. The media API lists both, newest first, with short-lived GET URLs that return the bytes.
    const list = await api<{ uploads: { uploadId: string; status: string; get?: { url: string } }[] }>(
      'GET',
      '/v1/devices/cam-e2e/uploads',
      userToken,
    );
    assert.deepEqual(
      list.uploads.map((u) => [u.uploadId, u.status]),
      [
        [accepted.uploadId, 'done'],
        [issued.uploadId, 'done'],
      ],
    );
    const download = await rawRequest(agent, list.uploads[1]?.get?.url ?? '', { method: 'GET' });
    assert.equal(download.status, 200);
    assert.ok(download.body.equals(photo1), 'the GET URL returns the bytes the camera PUT');
  });
}
