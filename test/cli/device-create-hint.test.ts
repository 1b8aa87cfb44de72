/**
 * `camlink device create ID` prints a ready-to-paste mosquitto_sub command for the camera it made. Pasted
 * as printed into a shell against a running platform (Debian's mosquitto-clients): the first run is
 * closed while the certificate is provisioned (JITP) and mosquitto says only "The connection was lost",
 * as the printed note (and README) say; a run again at once is closed too (1 CONNECT/s per client id);
 * a second later it connects and subscribes. Without a running platform the command names the
 * configured listener; --json stays one object with the same fields.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli } from '../helpers/cli.js';
import { SkewClock } from '../helpers/endpoint.js';
import { startTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

/** The printed command: from `mosquitto_sub` to its last continuation line, as a user would copy it. */
function printedCommand(stdout: string): string {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith('mosquitto_sub '));
  assert.ok(start >= 0, stdout);
  let end = start;
  while (lines[end]?.endsWith('\\')) end++;
  return lines.slice(start, end + 1).join('\n');
}

interface ShellRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` in sh; resolves when it exits. */
async function sh(command: string): Promise<ShellRun> {
  const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run: ShellRun = { code: null, stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (run.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (run.stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  run.code = code;
  return run;
}

test('device create prints a mosquitto_sub command that works pasted as is (first run closed by JITP, then the quota, then in)', async (t) => {
  const dir = await tempDir(t);
  // A space in the data dir: the printed paths must survive the shell.
  const dataDir = join(dir, 'data dir');
  await mkdir(dataDir);
  const clock = new SkewClock();
  const logs: Record<string, unknown>[] = [];
  const { platform } = await startTestPlatform(t, dataDir, {
    clock,
    extra: { backend: { mqttSession: false } },
    onLog: (line) => logs.push(line),
  });
  const created = await cli(['device', 'create', 'cam-hint', '--data-dir', dataDir]);
  assert.equal(created.code, 0, created.stderr);
  const port = new URL(platform.endpoints.mqtt).port;
  const command = printedCommand(created.stdout);
  assert.equal(
    command,
    [
      `mosquitto_sub -h 127.0.0.1 -p ${port} --cafile '${join(dataDir, 'pki', 'ca.cert.pem')}' \\`,
      `  --cert '${join(dataDir, 'devices', 'cam-hint.cert.pem')}' --key '${join(dataDir, 'devices', 'cam-hint.key.pem')}' \\`,
      `  -i cam-hint -t 'camlink/devices/cam-hint/#' -v`,
    ].join('\n'),
  );
  assert.match(
    created.stdout,
    /first connection is closed while the endpoint provisions the new certificate/,
  );
  assert.match(
    created.stdout,
    /mosquitto_sub prints "Error: The connection was lost\." Run it again\nafter a second/,
  );

  const first = await sh(command);
  assert.equal(first.code, 7, first.stderr);
  assert.match(first.stderr, /^Error: The connection was lost\.$/m);
  const refusals = () =>
    logs.filter((l) => l.msg === 'connection refused' && l.clientId === 'cam-hint').map((l) => l.reason);
  assert.match(String(refusals()[0]), /certificate registered just in time/);

  const atOnce = await sh(command);
  assert.equal(atOnce.code, 7, atOnce.stderr);
  assert.match(String(refusals()[1]), /more than 1 CONNECT per second for this client id/);

  clock.advance(1_000);
  // In now: once its subscription is in, a command to the camera reaches it, and -C 1 ends it.
  const aedes = platform.broker.aedes;
  const subscribed = new Promise<void>((resolve) => {
    const onSubscribe = (_subs: unknown, client: { id: string } | null) => {
      if (client?.id !== 'cam-hint') return;
      aedes.off('subscribe', onSubscribe);
      resolve();
    };
    aedes.on('subscribe', onSubscribe);
  });
  const later = sh(`${command} -C 1`);
  await subscribed;
  aedes.publish(
    {
      cmd: 'publish',
      topic: 'camlink/devices/cam-hint/commands',
      payload: Buffer.from('hello'),
      qos: 0,
      dup: false,
      retain: false,
    },
    () => undefined,
  );
  const received = await later;
  assert.equal(received.code, 0, received.stderr);
  assert.equal(received.stdout, 'camlink/devices/cam-hint/commands hello\n');
  assert.equal(refusals().length, 2);
});

test('without a running platform the command names the configured listener; --json keeps its fields', async (t) => {
  const dir = await tempDir(t);
  assert.equal((await cli(['ca', 'init', '--data-dir', dir])).code, 0);
  const created = await cli(['device', 'create', 'cam-cold', '--data-dir', dir]);
  assert.equal(created.code, 0, created.stderr);
  assert.match(printedCommand(created.stdout), /^mosquitto_sub -h 127\.0\.0\.1 -p 8883 --cafile /);
  const other = await cli(['device', 'create', 'cam-port', '--data-dir', dir], {
    CAMLINK_BROKER__PORT: '18883',
  });
  assert.match(printedCommand(other.stdout), /^mosquitto_sub -h 127\.0\.0\.1 -p 18883 /);

  const json = await cli(['device', 'create', 'cam-json', '--data-dir', dir, '--json']);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(Object.keys(JSON.parse(json.stdout) as object), [
    'device id',
    'certificate',
    'key',
    'serial',
    'certificate id',
    'valid until',
  ]);
});
