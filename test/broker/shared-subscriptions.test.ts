/** Shared subscriptions ($share/{ShareName}/{filter}) on the endpoint, with MQTT.js over mutual TLS. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { parseSharedFilter } from '../../src/broker/shared-subscriptions.js';
import { closed, startTestEndpoint } from '../helpers/endpoint.js';

const FILTER = 'camlink/devices/+/uploads';
const SHARED = `$share/workers/${FILTER}`;

/** Collects the payloads a client receives on `topicPrefix`, and resolves once `total` arrived overall. */
function collector(clients: Record<string, MqttClient>) {
  const got: Record<string, string[]> = Object.fromEntries(Object.keys(clients).map((n) => [n, []]));
  let waiter: { total: number; resolve: () => void } | undefined;
  const count = () => Object.values(got).reduce((n, list) => n + list.length, 0);
  for (const [name, client] of Object.entries(clients)) {
    client.on('message', (topic, payload) => {
      if (!topic.endsWith('/uploads')) return;
      got[name]?.push(payload.toString());
      if (waiter && count() >= waiter.total) waiter.resolve();
    });
  }
  return {
    got,
    reset: () => {
      for (const list of Object.values(got)) list.length = 0;
    },
    until: (total: number) =>
      new Promise<void>((resolve) => {
        waiter = { total, resolve };
        if (count() >= total) resolve();
      }),
  };
}

/** The SUBACK return code of one subscription (MQTT.js rejects a refused one; its packet still says). */
async function subackCode(client: MqttClient, filter: string): Promise<number | undefined> {
  try {
    return (await client.subscribeAsync(filter, { qos: 1 }))[0]?.qos;
  } catch (err) {
    const granted = (err as { packet?: { granted?: number[] } }).packet?.granted;
    if (granted === undefined) throw err;
    return granted[0];
  }
}

/** The problem parseSharedFilter names for a malformed filter. */
function problem(filter: string): string {
  const parsed = parseSharedFilter(filter);
  assert.equal(typeof parsed, 'string', filter);
  return parsed as string;
}

test('$share filters parse as AWS writes them and malformed ones are refused', () => {
  assert.equal(parseSharedFilter('camlink/a'), undefined);
  assert.deepEqual(parseSharedFilter('$share/g1/camlink/+/a'), { group: 'g1', filter: 'camlink/+/a' });
  assert.match(problem('$share/g1'), /ShareName/);
  assert.match(problem('$share//a'), /ShareName/);
  assert.match(problem('$share/g+/a'), /\+ or #/);
  assert.match(problem('$share/g/'), /topic filter/);
  assert.match(problem('$share/g/$share/h/a'), /nest/);
});

test('each message goes to one member of a shared group, round robin; plain subscribers get all', async (t) => {
  const ep = await startTestEndpoint(t, { operators: ['b1', 'b2', 'b3', 'watch'] });
  const cam = await ep.connect(await ep.device('cam-1'));
  const b1 = await ep.connect(await ep.device('b1'));
  const b2 = await ep.connect(await ep.device('b2'));
  const b3 = await ep.connect(await ep.device('b3'));
  const watch = await ep.connect(await ep.device('watch'));
  for (const member of [b1, b2, b3]) {
    assert.equal(await subackCode(member, SHARED), 1);
  }
  await watch.subscribeAsync(FILTER, { qos: 1 });
  const members = collector({ b1, b2, b3 });
  const plain = collector({ watch });

  for (let i = 0; i < 30; i++) await cam.publishAsync('camlink/devices/cam-1/uploads', `m${i}`, { qos: 1 });
  await members.until(30);
  await plain.until(30);
  const all = [...members.got.b1!, ...members.got.b2!, ...members.got.b3!].sort();
  assert.deepEqual(all, Array.from({ length: 30 }, (_, i) => `m${i}`).sort(), 'each message exactly once');
  for (const name of ['b1', 'b2', 'b3']) assert.equal(members.got[name]?.length, 10, `${name}: round robin`);
  assert.equal(plain.got.watch?.length, 30);

  // A member that leaves (UNSUBSCRIBE) or goes away (disconnect) gets nothing more; the rest get all.
  await b3.unsubscribeAsync(SHARED);
  members.reset();
  for (let i = 0; i < 10; i++) await cam.publishAsync('camlink/devices/cam-1/uploads', `u${i}`, { qos: 1 });
  await plain.until(40);
  await members.until(10);
  assert.equal(members.got.b3?.length, 0);
  assert.equal(members.got.b1!.length + members.got.b2!.length, 10);

  const b2Gone = closed(b2);
  b2.end(true);
  await b2Gone;
  members.reset();
  for (let i = 0; i < 5; i++) await cam.publishAsync('camlink/devices/cam-1/uploads', `d${i}`, { qos: 1 });
  await plain.until(45);
  await members.until(5);
  assert.deepEqual(members.got.b1, ['d0', 'd1', 'd2', 'd3', 'd4']);
});

test('shared subscriptions need iot:Subscribe on the $share filter, a clean session and a well-formed filter', async (t) => {
  const ep = await startTestEndpoint(t, { operators: ['ops', 'ops-2'] });
  // The device policy allows its own topics, not $share/...: refused like any other filter.
  const cam = await ep.connect(await ep.device('cam-2'));
  assert.equal(await subackCode(cam, '$share/g/camlink/devices/cam-2/commands'), 128);

  const ops = await ep.connect(await ep.device('ops'));
  for (const filter of ['$share/g', '$share/g/$share/h/a']) {
    assert.equal(await subackCode(ops, filter), 128, filter);
  }
  // The same filter both plain and shared on one connection is refused.
  await ops.subscribeAsync('camlink/devices/+/commands', { qos: 1 });
  assert.equal(await subackCode(ops, '$share/g/camlink/devices/+/commands'), 128);

  ep.clock.advance(1000);
  const persistent = await ep.connect(await ep.device('ops-2'), { clean: false });
  assert.equal(await subackCode(persistent, SHARED), 128);
  assert.ok(ep.logs.some((l) => String(l.msg).includes('shared subscriptions need a clean session')));
});
