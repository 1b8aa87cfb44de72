/**
 * Interop with Debian's mosquitto-clients (a client nobody here wrote): mosquitto_sub/mosquitto_pub
 * with --cafile/--cert/--key against the endpoint. Allowed topics pass; forbidden publishes are cut
 * off and never delivered; a forbidden subscription is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import { nextMessage, startTestEndpoint, type TestEndpoint } from '../helpers/endpoint.js';

function tlsArgs(ep: TestEndpoint, id: string): string[] {
  const { cert, key } = ep.devicePaths(id);
  return [
    '-h',
    '127.0.0.1',
    '-p',
    String(ep.broker.port),
    '-V',
    'mqttv311',
    '--cafile',
    ep.caPath,
    '--cert',
    cert,
    '--key',
    key,
    '-i',
    id,
  ];
}

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

test('mosquitto_pub and mosquitto_sub talk to the endpoint under the device policy', async (t) => {
  const ep = await startTestEndpoint(t, { operators: ['backend'] });
  await ep.device('cam-m1');
  const backend = await ep.connect(await ep.device('backend'));
  await backend.subscribeAsync('camlink/devices/+/uploads', { qos: 1 });

  // mosquitto_sub waits for one command; the backend sends it once the subscription shows up.
  const sub = spawn('mosquitto_sub', [
    ...tlsArgs(ep, 'cam-m1'),
    '-t',
    'camlink/devices/cam-m1/commands',
    '-q',
    '1',
    '-C',
    '1',
    '-W',
    '30',
  ]);
  let subOut = '';
  sub.stdout.on('data', (d: Buffer) => (subOut += d.toString()));
  await new Promise<void>((resolve) => {
    const onSubscribe = (_subs: unknown, client: { id: string }) => {
      if (client.id !== 'cam-m1') return;
      ep.broker.aedes.removeListener('subscribe', onSubscribe);
      resolve();
    };
    ep.broker.aedes.on('subscribe', onSubscribe);
  });
  await backend.publishAsync('camlink/devices/cam-m1/commands', 'capture', { qos: 1 });
  const [code] = (await once(sub, 'exit')) as [number];
  assert.equal(code, 0);
  assert.equal(subOut.trim(), 'capture');

  // An allowed publish arrives (the second connect is a second later for AWS's connect-rate rule).
  ep.clock.advance(1000);
  const upload = nextMessage(backend, 'camlink/devices/cam-m1/uploads');
  const pub = await run('mosquitto_pub', [
    ...tlsArgs(ep, 'cam-m1'),
    '-t',
    'camlink/devices/cam-m1/uploads',
    '-q',
    '1',
    '-m',
    '{"ok":true}',
  ]);
  assert.equal(pub.code, 0, pub.stderr);
  assert.equal((await upload).toString(), '{"ok":true}');

  // A forbidden publish is cut off and never delivered.
  ep.clock.advance(1000);
  const seen: string[] = [];
  backend.on('message', (topic) => seen.push(topic));
  await run('mosquitto_pub', [
    ...tlsArgs(ep, 'cam-m1'),
    '-t',
    'camlink/devices/cam-other/uploads',
    '-q',
    '1',
    '-m',
    'forged',
  ]);
  assert.ok(ep.logs.some((l) => l.clientId === 'cam-m1' && l.reason === 'FORBIDDEN_ACCESS'));
  ep.clock.advance(1000);
  const sentinel = nextMessage(backend, 'camlink/devices/cam-m1/uploads');
  await run('mosquitto_pub', [
    ...tlsArgs(ep, 'cam-m1'),
    '-t',
    'camlink/devices/cam-m1/uploads',
    '-q',
    '1',
    '-m',
    'after',
  ]);
  assert.equal((await sentinel).toString(), 'after');
  assert.deepEqual(seen, ['camlink/devices/cam-m1/uploads']);

  // A forbidden subscription is refused (mosquitto_sub prints the SUBACK failure and exits non-zero).
  ep.clock.advance(1000);
  const wide = await run('mosquitto_sub', [...tlsArgs(ep, 'cam-m1'), '-t', '#', '-C', '1', '-W', '5']);
  assert.equal(wide.stdout, '', JSON.stringify(wide));
  assert.match(wide.stderr, /denied/i, JSON.stringify(wide));
});

test('mosquitto_pub with a client id that is not its certificate CN is refused', async (t) => {
  const ep = await startTestEndpoint(t);
  await ep.device('cam-m2');
  const args = tlsArgs(ep, 'cam-m2');
  args[args.length - 1] = 'cam-someone-else';
  const run1 = await run('mosquitto_pub', [
    ...args,
    '-t',
    'camlink/devices/cam-someone-else/uploads',
    '-m',
    'x',
  ]);
  assert.notEqual(run1.code, 0);
});
