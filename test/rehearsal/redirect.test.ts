/**
 * The redirect on its own: only loopback destinations, wildcards for one label like TLS, unmapped and
 * IP connections untouched, and every connect form (options, normalized array, port + host) rewritten.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCamlinkError } from '../../src/errors/camlink-error.js';
import { installRedirect, parseHostMap } from '../../src/rehearsal/redirect.js';

test('a host map may only point at loopback, with valid names and ports', () => {
  const refused = [
    { 'sqs.ap-northeast-1.amazonaws.com:443': '10.0.0.1:9324' },
    { 'sqs.ap-northeast-1.amazonaws.com:443': 'example.com:9324' },
    { 'sqs.ap-northeast-1.amazonaws.com:443': '[fe80::1]:9324' },
    { 'sqs.ap-northeast-1.amazonaws.com': '127.0.0.1:9324' },
    { '127.0.0.1:443': '127.0.0.1:9324' },
    { '*.*.example.com:443': '127.0.0.1:1' },
    { 'a.example.com:70000': '127.0.0.1:1' },
    { 'a.example.com:443': 9324 },
    ['a.example.com:443'],
  ];
  for (const json of refused) {
    assert.throws(
      () => parseHostMap(json),
      (err: unknown) => isCamlinkError(err, 'REHEARSAL_HOSTS_INVALID'),
      JSON.stringify(json),
    );
  }
  const map = parseHostMap({
    '*.s3.ap-northeast-1.amazonaws.com:443': '127.0.0.1:9000',
    's3.ap-northeast-1.amazonaws.com:443': '127.0.0.2:9001',
    'x-ats.iot.ap-northeast-1.amazonaws.com:8883': '[::1]:8883',
  });
  assert.deepEqual(map.resolve('bucket.s3.ap-northeast-1.amazonaws.com', 443), {
    host: '127.0.0.1',
    port: 9000,
  });
  assert.deepEqual(map.resolve('S3.AP-NORTHEAST-1.amazonaws.com.', 443), { host: '127.0.0.2', port: 9001 });
  assert.equal(map.resolve('a.b.s3.ap-northeast-1.amazonaws.com', 443), undefined);
  assert.equal(map.resolve('bucket.s3.ap-northeast-1.amazonaws.com', 80), undefined);
  assert.deepEqual(map.resolve('x-ats.iot.ap-northeast-1.amazonaws.com', 8883), { host: '::1', port: 8883 });
});

test('mapped names reach the loopback listener in every connect form; the rest is untouched', async (t) => {
  const server = net.createServer((socket) => socket.end('hello'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const uninstall = installRedirect(parseHostMap({ 'svc.example.com:443': `127.0.0.1:${port}` }));
  t.after(() => {
    uninstall();
    server.close();
  });
  const read = async (socket: net.Socket) => {
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    await once(socket, 'end');
    return text;
  };
  assert.equal(await read(net.connect({ host: 'svc.example.com', port: 443 })), 'hello');
  assert.equal(await read(net.connect(443, 'svc.example.com')), 'hello');
  assert.equal(await read(net.createConnection(443, 'svc.example.com')), 'hello');
  assert.equal(await read(new net.Socket().connect({ host: 'svc.example.com', port: 443 })), 'hello');
  // An IP destination is never rewritten; an unmapped name is resolved as usual.
  assert.equal(await read(net.connect({ host: '127.0.0.1', port })), 'hello');
  const unmapped = net.connect({ host: 'unmapped.invalid', port: 443 });
  const [err] = (await once(unmapped, 'error')) as [NodeJS.ErrnoException];
  assert.match(err.code ?? '', /ENOTFOUND|EAI_AGAIN/);
  uninstall();
  const after = net.connect({ host: 'svc.example.invalid', port: 443 });
  const [err2] = (await once(after, 'error')) as [NodeJS.ErrnoException];
  assert.match(err2.code ?? '', /ENOTFOUND|EAI_AGAIN/);
});

test('the preload stops a process whose host map is bad, before the application runs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'camlink-preload-'));
  try {
    const map = join(dir, 'hosts.json');
    await writeFile(map, JSON.stringify({ 'sqs.ap-northeast-1.amazonaws.com:443': '192.0.2.1:443' }));
    const root = new URL('../../', import.meta.url).pathname;
    const child = spawn(
      process.execPath,
      ['--import', join(root, 'bin/rehearsal-preload.mjs'), '-e', 'process.stdout.write("ran")'],
      { cwd: root, env: { PATH: process.env.PATH ?? '', CAMLINK_REHEARSAL_HOSTS: map } },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 2);
    assert.equal(out, '');
    assert.match(err, /^camlink rehearsal preload: REHEARSAL_HOSTS_INVALID: .*may only point at 127/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
