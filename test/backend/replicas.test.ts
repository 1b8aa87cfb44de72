/**
 * Backend replicas, as they run when users outgrow one process: the backend inside `camlink up`
 * (replica A, the only reconciler) and a second `camlink backend` process (replica B, no reconciler,
 * no MQTT session) on the same PostgreSQL schema. A user's event stream on B receives the
 * upload.completed that A reconciled, relayed by PostgreSQL LISTEN/NOTIFY.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { sign } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { BackendClient, type BackendEvent } from '../../src/app/backend-client.js';
import { sampleJpeg } from '../../src/device/sample-images.js';
import { appWorld } from '../helpers/app-world.js';
import { createTestSchema, TEST_POSTGRES_URL } from '../helpers/backend-store.js';
import { CAMLINK_BIN } from '../helpers/cli.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

test('a stream on replica B receives the upload.completed replica A reconciled (PostgreSQL relay)', async (t) => {
  const dir = await tempDir(t);
  const dataDir = join(dir, 'platform');
  const url = new URL(TEST_POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${await createTestSchema(t, 'camlink_replicas')}`);
  const postgresUrl = url.toString();
  const { platform } = await startTestPlatform(t, dataDir, {
    extra: { backend: { reconciler: { waitTimeSeconds: 1 }, store: { postgresUrl } } },
  });

  // Replica B: its own process, same data dir (server certificate, endpoints.json) and database.
  const configFile = join(dir, 'replica-b.json');
  await writeFile(
    configFile,
    JSON.stringify({
      dataDir,
      log: { level: 'warn' },
      backend: { port: 0, store: { postgresUrl }, reconciler: { enabled: false }, mqttSession: false },
    }),
  );
  const child = spawn(process.execPath, [CAMLINK_BIN, 'backend', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const exited = once(child, 'exit');
  // Also when the runner gives up on a timed-out test and exits without running the hooks.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  t.after(async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = `${stderr}${d.toString()}`.slice(-4000)));
  const replicaB = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (https:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    void exited.then(([code]) => reject(new Error(`replica B exited (${String(code)}): ${stderr}`)));
  });
  assert.notEqual(replicaB, platform.endpoints.api);

  const world = await appWorld(t, platform);
  const camera = await world.provision('cam-replica');
  const { user, token } = await world.operator.createUser('Alice');
  const onA = new BackendClient({ baseUrl: platform.endpoints.api, token: token.token, ca: world.ca });
  const onB = new BackendClient({ baseUrl: replicaB, token: token.token, ca: world.ca });
  t.after(() => {
    onA.close();
    onB.close();
  });
  assert.equal((await onB.me()).user?.id, user.id, 'replica B knows the user A created');
  const challenge = await onA.createChallenge('cam-replica');
  await onB.pair(
    challenge.challengeId,
    sign('sha256', Buffer.from(challenge.signingInput, 'base64'), camera.key),
  );

  const abort = new AbortController();
  t.after(() => abort.abort());
  let completed!: (event: BackendEvent) => void;
  const onStreamB = new Promise<BackendEvent>((resolve) => (completed = resolve));
  await new Promise<void>((opened) => {
    void onB
      .watch((event) => event.type === 'upload.completed' && completed(event), abort.signal, opened)
      .catch(() => undefined);
  });

  const simulated = await world.startCamera(camera, join(dir, 'camera'));
  const picture = sampleJpeg('replicas');
  const file = join(dir, 'picture.jpg');
  await writeFile(file, picture);
  const target = await onA.issueUpload('cam-replica', { contentType: 'image/jpeg', size: picture.length });
  await simulated.agent.uploadAndAnnounce(file, target, { contentType: 'image/jpeg' });

  const event = await onStreamB;
  assert.equal(event.data.uploadId, target.uploadId);
  assert.equal((await onB.getUpload(target.uploadId)).upload.status, 'done');
});
