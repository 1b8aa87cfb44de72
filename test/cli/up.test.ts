/** `camlink up` as users run it: a real process, endpoints.json, a device connecting, revocation, SIGTERM. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile, access, stat } from 'node:fs/promises';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateThingCommand,
  DescribeCertificateCommand,
  IoTClient,
  RegisterCertificateCommand,
} from '@aws-sdk/client-iot';
import { sdkOptions } from '../helpers/aws.js';
import { join } from 'node:path';
import { endpointsSchema } from '../../src/contracts/endpoints.js';
import { cli, spawnCliUntil } from '../helpers/cli.js';
import { closed, connectMqtt } from '../helpers/endpoint.js';
import { tempDir } from '../helpers/tmp.js';

test('camlink up serves the IoT API and mutual-TLS MQTT, follows revocations and stops cleanly on SIGTERM', async (t) => {
  const dataDir = await tempDir(t);
  const up = await spawnCliUntil(
    t,
    ['up', '--data-dir', dataDir, '--ephemeral-ports', '--log-level', 'warn'],
    'endpoints ',
  );
  const { child } = up;
  const endpoints = endpointsSchema.parse(
    JSON.parse(await readFile(join(dataDir, 'endpoints.json'), 'utf8')),
  );
  assert.match(endpoints.mqtt, /^mqtts:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(endpoints.mqttPlaintext, undefined);

  assert.equal(endpoints.credentials.profile, 'camlink');
  assert.match(
    await readFile(endpoints.credentials.sharedCredentialsFile, 'utf8'),
    /^\[camlink\]\naws_access_key_id = AKIA/,
  );
  assert.equal((await stat(join(dataDir, 'endpoints.json'))).mode & 0o777, 0o600);

  assert.equal((await cli(['device', 'create', 'cam-up', '--data-dir', dataDir])).code, 0);
  const files = {
    ca: await readFile(endpoints.caPath),
    cert: await readFile(join(dataDir, 'devices', 'cam-up.cert.pem')),
    key: await readFile(join(dataDir, 'devices', 'cam-up.key.pem')),
  };
  // Register the camera by hand through the IoT API, as an operator would without JITP.
  const iot = new IoTClient(sdkOptions(endpoints.iot, files.ca, endpoints.credentials));
  t.after(() => iot.destroy());
  const { certificateArn } = await iot.send(
    new RegisterCertificateCommand({ certificatePem: files.cert.toString(), setAsActive: true }),
  );
  await iot.send(new CreateThingCommand({ thingName: 'cam-up' }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'cam-up', principal: certificateArn }));
  await iot.send(new AttachPolicyCommand({ policyName: 'camlink-device', target: certificateArn }));
  const cam = await connectMqtt(endpoints.mqtt, { ...files, clientId: 'cam-up', servername: 'localhost' });
  await cam.publishAsync('camlink/devices/cam-up/status', 'online', { qos: 1 });

  const gone = closed(cam);
  assert.equal((await cli(['device', 'revoke', 'cam-up', '--data-dir', dataDir])).code, 0);
  await gone; // the platform saw the PKI revocation, marked the certificate REVOKED and closed the session
  const description = await iot.send(
    new DescribeCertificateCommand({ certificateId: certificateArn?.split('/')[1] }),
  );
  assert.equal(description.certificateDescription?.status, 'REVOKED');

  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number];
  assert.equal(code, 0);
  assert.match(up.stdout(), /stopping \(SIGTERM\)/);
  await assert.rejects(access(join(dataDir, 'endpoints.json')), 'endpoints.json is removed on stop');
  // Not a terminal: the logs stay JSON lines on stderr, no log file, no lines for people.
  for (const line of up
    .stderr()
    .split('\n')
    .filter((l) => l !== ''))
    assert.doesNotThrow(() => JSON.parse(line), line);
  assert.doesNotMatch(up.stdout(), /starting camlink|Stop with|^ {2}logs /m);
  await assert.rejects(access(join(dataDir, 'logs')), 'JSON mode writes no log file');
});

test('camlink up --log-format pretty: a summary for people, no JSON on the terminal, the JSON logs in DATA_DIR/logs', async (t) => {
  const dataDir = await tempDir(t);
  const up = await spawnCliUntil(
    t,
    ['up', '--data-dir', dataDir, '--ephemeral-ports', '--log-format', 'pretty', '--dev-plaintext'],
    'Stop with Ctrl-C',
  );
  const { child } = up;
  const endpoints = endpointsSchema.parse(
    JSON.parse(await readFile(join(dataDir, 'endpoints.json'), 'utf8')),
  );
  const logFile = join(dataDir, 'logs', 'camlink.log');
  assert.match(
    up.stdout(),
    new RegExp(`^starting camlink \\(data dir ${dataDir}; logs in ${logFile}\\)$`, 'm'),
  );
  for (const url of [
    endpoints.mqtt,
    endpoints.iot,
    endpoints.s3,
    endpoints.sqs,
    endpoints.kvs,
    endpoints.api,
  ]) {
    assert.ok(url !== undefined && up.stdout().includes(` ${url}`), `${url} in the summary:\n${up.stdout()}`);
  }
  assert.match(up.stdout(), /^camlink is up \(data dir /m);
  assert.match(up.stdout(), new RegExp(`^ {2}logs {15}${logFile} \\(JSON, info and up`, 'm'));
  // --dev-plaintext logs a warning: one line for people on stderr, not JSON.
  assert.match(up.stderr(), /^\d\d:\d\d:\d\d WARN {2}broker: DEV ONLY: plaintext MQTT/m);
  for (const line of `${up.stdout()}${up.stderr()}`.split('\n'))
    assert.doesNotMatch(line, /^\s*\{/, 'a JSON line on the terminal');

  child.kill('SIGINT');
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  assert.equal(code, 0, `camlink up ended with ${code ?? signal} after SIGINT; stderr:\n${up.stderr()}`);
  const logged = (await readFile(logFile, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { msg: string });
  assert.ok(logged.some((l) => l.msg === 'created the operator CA (first start)'));
  assert.ok(
    logged.some((l) => l.msg === `backend API listening at ${endpoints.api}`),
    'the listening line says https',
  );
  assert.equal((await stat(logFile)).mode & 0o777, 0o600);

  const help = await cli(['up', '--help']);
  assert.match(help.stdout, /--log-format FORMAT/);
  assert.match(help.stdout, /DATA_DIR\/logs\/camlink\.log/);
});
