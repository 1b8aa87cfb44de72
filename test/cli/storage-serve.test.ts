/** `camlink storage serve` as users run it: HTTPS with a CA-issued certificate, signed requests, clean stop. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CAMLINK_BIN, cli, cliProcess, errorCodeOf } from '../helpers/cli.js';
import { ACCESS_KEY_ID, SECRET_ACCESS_KEY } from '../helpers/storage.js';
import { tempDir } from '../helpers/tmp.js';

test('storage serve: HTTPS store with the CA-issued certificate, stops cleanly on SIGTERM', async (t) => {
  const dataDir = await tempDir(t);
  const env = {
    CAMLINK_DATA_DIR: dataDir,
    CAMLINK_LOG__LEVEL: 'silent',
    CAMLINK_STORAGE__ACCESS_KEYS: JSON.stringify([
      { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
    ]),
  };
  assert.equal((await cliProcess(['ca', 'init'], env)).code, 0);
  const child = spawn(process.execPath, [CAMLINK_BIN, 'storage', 'serve', '--port', '0'], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const url = /listening on (https:\/\/\S+)/.exec(line.toString())?.[1];
  assert.ok(url, line.toString());
  const agent = new Agent({ ca: await readFile(join(dataDir, 'pki', 'ca.cert.pem')) });
  t.after(() => agent.destroy());
  const s3 = new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
    requestHandler: { httpsAgent: agent },
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'cli' }));
  await s3.send(new PutObjectCommand({ Bucket: 'cli', Key: 'k', Body: 'from the CLI store' }));
  const got = await s3.send(new GetObjectCommand({ Bucket: 'cli', Key: 'k' }));
  assert.equal(await got.Body?.transformToString(), 'from the CLI store');
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
});

test('storage serve without access keys is STORAGE_OPTIONS_INVALID; a bad --port is CLI_USAGE', async (t) => {
  const dataDir = await tempDir(t);
  const noKeys = await cli(['storage', 'serve', '--port', '0'], { CAMLINK_DATA_DIR: dataDir });
  assert.equal(noKeys.code, 1);
  assert.equal(errorCodeOf(noKeys), 'STORAGE_OPTIONS_INVALID');
  const badPort = await cli(['storage', 'serve', '--port', 'x'], {
    CAMLINK_DATA_DIR: dataDir,
    CAMLINK_STORAGE__ACCESS_KEYS: JSON.stringify([
      { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
    ]),
  });
  assert.equal(errorCodeOf(badPort), 'CLI_USAGE');
  const help = await cli(['storage', 'serve', '--help']);
  assert.match(help.stdout, /--dev-http/);
});
