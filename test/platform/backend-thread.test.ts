/**
 * `camlink up` with backend.thread: the backend runs on its own worker thread of the platform process,
 * reachable as before (endpoints.json `api`), doing its cloud calls from there, and stopping with it.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger } from '../../src/log/logger.js';
import { startPlatform } from '../../src/platform/platform.js';
import { deviceKeyAndCsr } from '../helpers/backend-devices.js';
import { rawRequest } from '../helpers/https.js';
import { platformConfig } from '../helpers/platform.js';
import { startPlatformProcess, writePlatformConfig } from '../helpers/platform-process.js';
import { tempDir } from '../helpers/tmp.js';

test('the backend on its own thread serves the API, provisions through the IoT API and stops with the platform', async (t) => {
  const dataDir = await tempDir(t);
  const configFile = await writePlatformConfig(dataDir, { thread: true });
  const platform = await startPlatformProcess(t, configFile, dataDir);
  assert.ok(
    platform.logs.some((l) => l.msg === 'backend runs on its own thread' && l.url === platform.endpoints.api),
  );
  const token = (await readFile(join(dataDir, 'operator-token'), 'utf8')).trim();
  const agent = new Agent({ ca: await readFile(platform.endpoints.caPath) });
  t.after(() => agent.destroy());
  const { csr } = await deviceKeyAndCsr('CN=cam-thread');
  const provisioned = await rawRequest(agent, `${platform.endpoints.api}/v1/devices/provision`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ deviceId: 'cam-thread', csr }),
  });
  assert.equal(provisioned.status, 201, provisioned.body.toString());
  const listed = await rawRequest(agent, `${platform.endpoints.api}/v1/devices`, {
    method: 'GET',
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(listed.status, 200);
  assert.match(listed.body.toString(), /cam-thread/);

  assert.equal(await platform.stop(), 0);
  assert.ok(!platform.logs.some((l) => String(l.msg).includes('did not end')), 'the thread ended by itself');
  assert.ok(!platform.logs.some((l) => l.level === 60), 'no fatal line');
});

test('with threadLogs (camlink up logging for people) the thread sends its JSON lines to the main thread', async (t) => {
  const dataDir = await tempDir(t);
  const lines: string[] = [];
  const config = platformConfig(dataDir, { log: { level: 'info' }, backend: { thread: true } });
  const platform = await startPlatform(config, createLogger({ level: 'silent' }), {
    threadLogs: (line) => lines.push(line),
  });
  t.after(() => platform.close());
  const logged = lines.map((line) => JSON.parse(line) as { msg: string; component?: string });
  assert.ok(
    logged.some(
      (l) => l.component === 'backend' && l.msg === `backend API listening at ${platform.endpoints.api}`,
    ),
    lines.join(''),
  );
});
