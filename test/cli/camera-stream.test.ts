/** `camlink camera stream`: listed under `camlink camera`, one-line coded errors for bad input. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, errorCodeOf } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const BASE = ['camera', 'stream', '--device-id', 'cam-1', '--cert', 'c.pem', '--key', 'k.pem'];

test('camlink camera --help lists stream; camlink camera stream --help shows its options', async () => {
  const camera = await cli(['camera', '--help']);
  assert.equal(camera.code, 0);
  assert.match(camera.stdout, /Usage: camlink camera \[options\]/);
  assert.match(camera.stdout, /Commands:\n {2}stream +Stream the camera's video/);
  const stream = await cli(['camera', 'stream', '--help']);
  assert.equal(stream.code, 0);
  assert.match(stream.stdout, /^Usage: camlink camera stream \[options\]/);
  for (const flag of [
    '--device-id ID',
    '--cert F',
    '--key F',
    '--endpoints F',
    '--duration S',
    '--source FILE',
    '--no-realtime',
  ]) {
    assert.ok(stream.stdout.includes(flag), flag);
  }
});

test('camlink camera stream: usage errors are one coded line, exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['camera', 'stream'], /needs --device-id/],
    [
      ['camera', 'stream', '--device-id', 'cam-1', '--data-dir', '/nonexistent'],
      /no device credentials for cam-1: \/nonexistent\/devices\/cam-1\.cert\.pem and .*cam-1\.key\.pem not found/,
    ],
    [[...BASE, '--duration', '0'], /--duration 0 is not a number of seconds \(1-86400\)/],
    [[...BASE, '--duration', '86401'], /--duration 86401/],
    [[...BASE, '--duration', '1.5'], /--duration 1.5/],
    [[...BASE, '--duration', 'abc'], /--duration abc/],
    [[...BASE, '--fps', '3'], /Unknown option '--fps'.*camlink camera stream --help/],
    [[...BASE, 'extra'], /unexpected argument "extra"/],
  ];
  for (const [argv, message] of cases) {
    const run = await cli(argv);
    assert.equal(run.code, 2, argv.join(' '));
    assert.equal(errorCodeOf(run), 'CLI_USAGE', run.stderr);
    assert.match(run.stderr, message);
    assert.equal(run.stderr.split('\n').length, 2, 'one line');
  }
});

test('camlink camera stream: a bad device id, a missing endpoints file or source', async (t) => {
  const dir = await tempDir(t);
  const badId = await cli(['camera', 'stream', '--device-id', 'bad name!', '--cert', 'c', '--key', 'k']);
  assert.equal(errorCodeOf(badId), 'DEVICE_ID_INVALID');
  const noEndpoints = await cli([...BASE, '--endpoints', join(dir, 'none.json')]);
  assert.equal(noEndpoints.code, 1);
  assert.equal(errorCodeOf(noEndpoints), 'FILE_UNREADABLE');
  const endpoints = join(dir, 'endpoints.json');
  const base = {
    mqtt: 'mqtts://127.0.0.1:1',
    iot: 'https://127.0.0.1:2',
    s3: 'https://127.0.0.1:3',
    sqs: 'https://127.0.0.1:4',
    uploadQueueUrl: 'https://127.0.0.1:4/q',
    api: 'https://127.0.0.1:5',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b', profile: 'p', sharedCredentialsFile: 'f' },
    caPath: join(dir, 'ca.pem'),
    partition: 'aws',
    region: 'us-east-1',
    accountId: '000000000000',
    pid: 1,
    startedAt: new Date(0).toISOString(),
  };
  await writeFile(endpoints, JSON.stringify(base));
  const noProvider = await cli([...BASE, '--endpoints', endpoints]);
  assert.equal(errorCodeOf(noProvider), 'CONFIG_INVALID');
  assert.match(noProvider.stderr, /iotCredentials/);
  const withProvider = join(dir, 'endpoints-kvs.json');
  await writeFile(
    withProvider,
    JSON.stringify({ ...base, iotCredentials: 'https://127.0.0.1:6', kvs: 'https://127.0.0.1:7' }),
  );
  const noSource = await cli([...BASE, '--endpoints', withProvider, '--source', join(dir, 'clip.mkv')]);
  assert.equal(errorCodeOf(noSource), 'FILE_UNREADABLE');
  assert.match(noSource.stderr, /clip\.mkv/);
  const noCert = await cli([...BASE, '--endpoints', withProvider]);
  assert.equal(errorCodeOf(noCert), 'FILE_UNREADABLE');
  assert.match(noCert.stderr, /c\.pem/);
});
