/**
 * The fault proxy itself (test/helpers/fault-proxy.ts) against a plain TCP echo server: it forwards,
 * and each command does what the fault tests rely on (cut now, cut after N bytes, refuse, pause and
 * resume, latency), observed through events rather than timing.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { FaultProxy } from '../helpers/fault-proxy.js';

async function echoProxy(t: TestContext): Promise<FaultProxy> {
  const echo = createServer((s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const proxy = await FaultProxy.start({ port: (echo.address() as AddressInfo).port });
  t.after(async () => {
    await proxy.close();
    await new Promise((resolve) => echo.close(resolve));
  });
  return proxy;
}

/** Resolves on 'close' (events.once would reject on the 'error' a reset emits first). */
const closed = (socket: Socket) => new Promise<void>((resolve) => socket.once('close', () => resolve()));

async function client(proxy: FaultProxy): Promise<{ socket: Socket; received: () => Buffer }> {
  const socket = connect(proxy.port, '127.0.0.1');
  socket.on('error', () => undefined);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  await once(socket, 'connect');
  return { socket, received: () => Buffer.concat(chunks) };
}

function readUntil(socket: Socket, received: () => Buffer, length: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const check = () => {
      if (received().length < length) return;
      socket.off('data', check);
      resolve(received());
    };
    socket.on('data', check);
    check();
  });
}

test('forwards both ways, and cutAll resets every live connection', async (t) => {
  const proxy = await echoProxy(t);
  const a = await client(proxy);
  const b = await client(proxy);
  a.socket.write('hello');
  assert.equal((await readUntil(a.socket, a.received, 5)).toString(), 'hello');
  b.socket.write('world');
  await readUntil(b.socket, b.received, 5);
  assert.equal(proxy.open, 2);
  const bothClosed = Promise.all([closed(a.socket), closed(b.socket)]);
  assert.equal(proxy.cutAll(), 2);
  await bothClosed;
  assert.equal(proxy.open, 0);
  assert.equal(proxy.stats.cuts, 2);
});

test('cutAfter forwards exactly N more client bytes, then cuts that connection', async (t) => {
  const proxy = await echoProxy(t);
  const c = await client(proxy);
  proxy.cutAfter(7);
  const cut = once(proxy, 'cut') as Promise<[{ reason: string; up: number }]>;
  const gone = closed(c.socket);
  c.socket.write('0123456789abcdef');
  const [info] = await cut;
  assert.equal(info.reason, 'cut-after');
  assert.equal(info.up, 7);
  await gone;
  assert.ok(c.received().length <= 7, 'nothing past the cut came back');
  // Later connections are not affected.
  const d = await client(proxy);
  d.socket.write('after');
  assert.equal((await readUntil(d.socket, d.received, 5)).toString(), 'after');
});

test('refuse resets new connections until it is turned off', async (t) => {
  const proxy = await echoProxy(t);
  proxy.refuse(true);
  const refused = once(proxy, 'connection');
  const socket = connect(proxy.port, '127.0.0.1');
  socket.on('error', () => undefined);
  const gone = closed(socket);
  await refused;
  await gone;
  assert.equal(proxy.stats.refused, 1);
  proxy.refuse(false);
  const c = await client(proxy);
  c.socket.write('ok');
  assert.equal((await readUntil(c.socket, c.received, 2)).toString(), 'ok');
});

test('pause holds traffic, resume delivers it; latency keeps the order', async (t) => {
  const proxy = await echoProxy(t);
  const c = await client(proxy);
  c.socket.write('a');
  await readUntil(c.socket, c.received, 1);
  proxy.pause();
  c.socket.write('b');
  // The byte is written by the client; the proxy does not read it while paused.
  await new Promise<void>((resolve) => c.socket.write('', () => resolve()));
  assert.equal(c.received().toString(), 'a');
  proxy.resume();
  assert.equal((await readUntil(c.socket, c.received, 2)).toString(), 'ab');
  proxy.latency(5);
  for (const ch of 'cdef') c.socket.write(ch);
  assert.equal((await readUntil(c.socket, c.received, 6)).toString(), 'abcdef');
});
