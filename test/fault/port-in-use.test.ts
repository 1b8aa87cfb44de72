/**
 * A port in use (the newcomer's issue: with default ports, a second `camlink up` printed
 * `internal error: listen EADDRINUSE ... [INTERNAL]`). Now it is PORT_IN_USE naming the service, its
 * host:port and what to do; the services already started are closed again and the data dir lock is
 * released, so the next start is not refused.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { DATA_DIR_LOCK_FILE } from '../../src/platform/data-dir-lock.js';
import { cli, errorCodeOf } from '../helpers/cli.js';
import { writePlatformConfig } from '../helpers/platform-process.js';
import { tempDir } from '../helpers/tmp.js';

/** A port held by another listener for the rest of the test. */
async function busyPort(t: TestContext): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as AddressInfo).port;
}

async function configWith(
  t: TestContext,
  change: (config: Record<string, Record<string, unknown>>, port: number) => void,
): Promise<{ file: string; dataDir: string; port: number }> {
  const dataDir = join(await tempDir(t, 'camlink-port-'), 'data');
  await mkdir(dataDir);
  const file = await writePlatformConfig(dataDir);
  const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, Record<string, unknown>>;
  const port = await busyPort(t);
  change(config, port);
  config.log = { level: 'silent' };
  await writeFile(file, JSON.stringify(config));
  return { file, dataDir, port };
}

test('camlink up with the object store port in use: PORT_IN_USE naming the service, host:port and the config key', async (t) => {
  const { file, dataDir, port } = await configWith(t, (config, busy) => (config.storage = { port: busy }));
  const run = await cli(['up', '--config', file]);
  assert.equal(run.code, 1);
  assert.equal(errorCodeOf(run), 'PORT_IN_USE', run.stderr);
  assert.match(run.stderr, new RegExp(`the object store \\(S3\\) cannot listen on 127\\.0\\.0\\.1:${port}`));
  assert.match(run.stderr, /storage\.port/);
  assert.match(run.stderr, /CAMLINK_STORAGE__PORT/);
  assert.match(run.stderr, /--ephemeral-ports/);
  await assert.rejects(stat(join(dataDir, DATA_DIR_LOCK_FILE)), { code: 'ENOENT' }, 'the lock was released');
});

test('camlink up with the backend API port in use: PORT_IN_USE for the backend (fastify listener)', async (t) => {
  const { file, port } = await configWith(t, (config, busy) => (config.backend = { port: busy }));
  const run = await cli(['up', '--config', file]);
  assert.equal(errorCodeOf(run), 'PORT_IN_USE', run.stderr);
  assert.match(run.stderr, new RegExp(`the backend API cannot listen on 127\\.0\\.0\\.1:${port}`));
  assert.match(run.stderr, /backend\.port/);
});
