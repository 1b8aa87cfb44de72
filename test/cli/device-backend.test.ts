/**
 * The local walkthrough of docs/deploy.md for a JITP camera (`camlink device create`, first connection):
 * the backend does not know it until the operator runs `camlink device register ID`, and it has no
 * video stream until `camlink device stream create ID`. Before them, `app pair` and `camera stream` fail
 * with NOT_FOUND / DEVICE_STREAM_NOT_FOUND naming the command to run; both commands are idempotent
 * (exit 0 the second time); afterwards pairing and streaming work.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { appWorld } from '../helpers/app-world.js';
import { cli, errorCodeOf } from '../helpers/cli.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

const ID = 'cam-walk';

test('camlink device register / stream create: a JITP camera becomes pairable and can stream', async (t) => {
  const dir = await tempDir(t);
  const dataDir = join(dir, 'platform');
  const { platform } = await startTestPlatform(t, dataDir);
  const base = ['--data-dir', dataDir];
  const world = await appWorld(t, platform);

  const created = await cli(['device', 'create', ID, ...base]);
  assert.equal(created.code, 0, created.stderr);
  const certFile = join(dataDir, 'devices', `${ID}.cert.pem`);
  const keyFile = join(dataDir, 'devices', `${ID}.key.pem`);
  const keyPem = await readFile(keyFile, 'utf8');
  // Its first connection provisions the thing by JITP; the backend still knows nothing of it.
  const camera = await world.startCamera(
    { deviceId: ID, keyPem, key: createPrivateKey(keyPem), certificatePem: await readFile(certFile, 'utf8') },
    join(dir, 'camera'),
  );
  const address = `127.0.0.1:${camera.responder.port}`;
  const user = await cli(['app', 'create-user', '--name', 'Alice', ...base]);
  assert.equal(user.code, 0, user.stderr);

  const unknown = await cli(['app', 'pair', '--camera', address, ...base]);
  assert.equal(unknown.code, 1);
  assert.equal(errorCodeOf(unknown), 'NOT_FOUND', unknown.stderr);
  assert.ok(unknown.stderr.includes(`camlink device register ${ID}`), unknown.stderr);

  // The stream needs the registration first, and says so.
  const early = await cli(['device', 'stream', 'create', ID, ...base]);
  assert.equal(errorCodeOf(early), 'NOT_FOUND', early.stderr);
  assert.ok(early.stderr.includes(`camlink device register ${ID}`), early.stderr);

  const registered = await cli(['device', 'register', ID, '--json', ...base]);
  assert.equal(registered.code, 0, registered.stderr);
  assert.deepEqual(JSON.parse(registered.stdout), { 'device id': ID, registered: 'now' });
  const again = await cli(['device', 'register', ID, ...base]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /registered +already/);
  assert.deepEqual(
    (await world.operator.listDevices()).devices.map((d) => d.deviceId),
    [ID],
  );

  const paired = await cli(['app', 'pair', '--camera', address, '--json', ...base]);
  assert.equal(paired.code, 0, paired.stderr);
  assert.equal((JSON.parse(paired.stdout) as { paired: string }).paired, ID);

  const streamArgs = ['camera', 'stream', '--device-id', ID, '--cert', certFile, '--key', keyFile];
  const noStream = await cli([...streamArgs, '--duration', '1', '--no-realtime', ...base]);
  assert.equal(errorCodeOf(noStream), 'DEVICE_STREAM_NOT_FOUND', noStream.stderr);
  assert.ok(noStream.stderr.includes(`camlink device stream create ${ID}`), noStream.stderr);

  const stream = await cli(['device', 'stream', 'create', ID, '--json', ...base]);
  assert.equal(stream.code, 0, stream.stderr);
  const made = JSON.parse(stream.stdout) as Record<string, string>;
  assert.equal(made['stream'], ID);
  assert.equal(made['created'], 'now');
  const streamAgain = await cli(['device', 'stream', 'create', ID, '--json', ...base]);
  assert.equal(streamAgain.code, 0, streamAgain.stderr);
  assert.match((JSON.parse(streamAgain.stdout) as Record<string, string>)['created'] ?? '', /^already/);

  const streamed = await cli([...streamArgs, '--duration', '1', '--no-realtime', ...base]);
  assert.equal(streamed.code, 0, streamed.stderr);
  assert.match(streamed.stdout, new RegExp(`0 error\\(s\\), \\d+ bytes to stream ${ID}`));
});

test('camlink device register / stream create: usage errors and a missing operator token', async (t) => {
  const dir = await tempDir(t);
  const cases: [string[], RegExp][] = [
    [['device', 'register'], /missing argument ID/],
    [['device', 'register', 'cam', '--certificate-id', 'abc'], /--certificate-id must be 64 lowercase hex/],
    [['device', 'stream', 'create'], /missing argument ID/],
  ];
  for (const [argv, message] of cases) {
    const run = await cli(argv);
    assert.equal(run.code, 2, argv.join(' '));
    assert.equal(errorCodeOf(run), 'CLI_USAGE', run.stderr);
    assert.match(run.stderr, message);
  }
  assert.equal(errorCodeOf(await cli(['device', 'register', 'bad name!'])), 'DEVICE_ID_INVALID');
  const noToken = await cli(['device', 'register', 'cam', '--data-dir', dir]);
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /operator token file/);
  const help = await cli(['device', 'stream', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /create +Operator: create the device's Kinesis video stream/);
});
