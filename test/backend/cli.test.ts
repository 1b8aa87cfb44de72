/**
 * `camlink backend` as users run it: a real process on a free port, HTTPS or --dev-http, SIGTERM -> 0,
 * next to a running embedded platform (its endpoints.json in the same data dir).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import https from 'node:https';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { CAMLINK_BIN, cli, errorCodeOf } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { startTestPlatform } from '../helpers/platform.js';

type Child = ChildProcessByStdio<null, Readable, Readable>;

function startBackend(
  t: TestContext,
  args: string[],
): Promise<{ child: Child; url: string; stdout: () => string }> {
  const child = spawn(
    process.execPath,
    [CAMLINK_BIN, 'backend', '--port', '0', '--log-level', 'warn', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const url = /listening (\S+)\n/.exec(stdout)?.[1];
      if (url !== undefined) resolve({ child, url, stdout: () => stdout });
    });
    child.once('exit', (code) => reject(new Error(`camlink backend exited ${code}: ${stdout}${stderr}`)));
  });
}

async function stop(child: Child): Promise<number | null> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}

async function platformIn(t: TestContext, dataDir: string): Promise<void> {
  // The standalone backend answers MQTT; the platform's embedded one stays off MQTT (one session per identity).
  await startTestPlatform(t, dataDir, { extra: { backend: { mqttSession: false } } });
}

test('camlink backend --dev-http serves /healthz on a free loopback port and stops on SIGTERM', async (t) => {
  const dataDir = await tempDir(t);
  await platformIn(t, dataDir);
  const { child, url, stdout } = await startBackend(t, ['--data-dir', dataDir, '--dev-http']);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const health = await fetch(`${url}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok', store: 'sqlite' });
  const tokenFile = join(dataDir, 'operator-token');
  assert.equal((await stat(tokenFile)).mode & 0o777, 0o600);
  const token = (await readFile(tokenFile, 'utf8')).trim();
  assert.ok(!stdout().includes(token), 'the token is not printed');
  const me = await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  assert.deepEqual(((await me.json()) as { kind: string }).kind, 'operator');
  assert.equal(await stop(child), 0);
  await stat(join(dataDir, 'backend.db'));
});

test('camlink backend serves HTTPS with the endpoint certificate', async (t) => {
  const dataDir = await tempDir(t);
  await platformIn(t, dataDir);
  const ca = await readFile(join(dataDir, 'pki', 'ca.cert.pem'));
  const { child, url } = await startBackend(t, ['--data-dir', dataDir]);
  assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const body = await new Promise<string>((resolve, reject) => {
    https
      .get(`${url}/healthz`, { ca }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
  assert.deepEqual(JSON.parse(body), { status: 'ok', store: 'sqlite' });
  assert.equal(await stop(child), 0);
});

test('camlink backend refuses to start without a certificate unless --dev-http, and bad flags', async (t) => {
  const dataDir = await tempDir(t);
  const noCert = await cli(['backend', '--data-dir', dataDir, '--port', '0']);
  assert.equal(noCert.code, 1);
  assert.equal(errorCodeOf(noCert), 'FILE_UNREADABLE');
  assert.match(noCert.stderr, /--dev-http/);
  const noPlatform = await cli(['backend', '--data-dir', dataDir, '--port', '0', '--dev-http']);
  assert.equal(noPlatform.code, 1);
  assert.equal(errorCodeOf(noPlatform), 'FILE_UNREADABLE');
  assert.match(noPlatform.stderr, /camlink up/);
  const badPort = await cli(['backend', '--data-dir', dataDir, '--port', '70000']);
  assert.equal(errorCodeOf(badPort), 'CLI_USAGE');
  const open = await cli(['backend', '--data-dir', dataDir, '--dev-http', '--host', '0.0.0.0']);
  assert.equal(errorCodeOf(open), 'CLI_USAGE');
  const help = await cli(['backend', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--dev-http/);
});
