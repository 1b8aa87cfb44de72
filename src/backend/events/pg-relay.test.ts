/**
 * The replica relay over the machine's PostgreSQL: an event published on one hub reaches the other
 * hub's streams once (under that hub's own id), never comes back to its origin, stays inside its
 * schema, is not republished by the receiving replica, and the relay survives a lost connection.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import pg from 'pg';
import { createLogger } from '../../log/logger.js';
import { systemClock } from '../../util/clock.js';
import { createTestSchema, TEST_POSTGRES_URL } from '../../../test/helpers/backend-store.js';
import { EventHub, type BackendEvent, type DevicePresenceData } from './hub.js';
import { startPgEventRelay, type EventRelay } from './pg-relay.js';

const logger = createLogger({ level: 'silent' });

function schemaUrl(schema: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

async function replica(t: TestContext, url: string): Promise<{ hub: EventHub; relay: EventRelay }> {
  const hub = new EventHub(systemClock, 100);
  const relay = await startPgEventRelay({ url, hub, logger });
  t.after(() => relay.close());
  return { hub, relay };
}

function nextEvent(hub: EventHub, userId: string): Promise<BackendEvent> {
  return new Promise((resolve) => {
    const sub = hub.subscribe({ userId }, (event) => {
      sub.unsubscribe();
      resolve(event);
    });
  });
}

const presence = (deviceId: string, versionNumber: number): DevicePresenceData => ({
  deviceId,
  state: 'online',
  since: new Date(0).toISOString(),
  versionNumber,
});

test('an event published on replica A reaches a stream on replica B, once, under B ids', async (t) => {
  const url = schemaUrl(await createTestSchema(t, 'camlink_relay'));
  const a = await replica(t, url);
  const b = await replica(t, url);
  assert.equal(a.relay.channel, b.relay.channel);

  const republishedOnB: BackendEvent[] = [];
  b.hub.onPublish((event) => republishedOnB.push(event));
  const seenOnA: BackendEvent[] = [];
  a.hub.subscribe({ userId: 'u1' }, (event) => seenOnA.push(event));

  const bBefore = b.hub.publish('u0', 'device.presence', presence('cam-b', 0));
  const arrived = nextEvent(b.hub, 'u1');
  const sent = a.hub.publish('u1', 'device.presence', presence('cam-1', 7));
  const got = await arrived;
  assert.deepEqual(got.data, sent.data);
  assert.equal(got.type, 'device.presence');
  assert.ok(BigInt(got.id) > BigInt(bBefore.id), 'B numbers the relayed event after its own');

  // A's own stream saw it once (its notification came back to it and was skipped); B did not
  // republish it on MQTT (the origin does that).
  const marker = nextEvent(a.hub, 'u1');
  b.hub.publish('u1', 'device.presence', presence('cam-2', 8));
  await marker;
  assert.deepEqual(
    seenOnA.map((e) => (e.data as DevicePresenceData).deviceId),
    ['cam-1', 'cam-2'],
  );
  assert.deepEqual(
    republishedOnB.map((e) => (e.data as DevicePresenceData).deviceId),
    ['cam-b', 'cam-2'],
  );
  assert.equal(a.relay.stats.received, 2, 'A got cam-b and cam-2 from B');
  assert.equal(b.relay.stats.received, 1, 'B got cam-1 from A');
});

test('operator events (no user) are relayed; other schemas do not see them', async (t) => {
  const url = schemaUrl(await createTestSchema(t, 'camlink_relay'));
  const other = schemaUrl(await createTestSchema(t, 'camlink_relay'));
  const a = await replica(t, url);
  const b = await replica(t, url);
  const stranger = await replica(t, other);
  assert.notEqual(a.relay.channel, stranger.relay.channel);
  const strangers: BackendEvent[] = [];
  stranger.hub.subscribe('all', (event) => strangers.push(event));

  const arrived = new Promise<BackendEvent>((resolve) => b.hub.subscribe('all', resolve));
  a.hub.publish(undefined, 'device.presence', presence('cam-unpaired', 1));
  assert.equal(((await arrived).data as DevicePresenceData).deviceId, 'cam-unpaired');
  // The stranger's own traffic goes through its channel after ours: by then ours would have arrived.
  const own = new Promise<BackendEvent>((resolve) => stranger.hub.subscribe({ userId: 'x' }, resolve));
  const strangerPeer = await replica(t, other);
  strangerPeer.hub.publish('x', 'device.presence', presence('cam-x', 1));
  await own;
  assert.deepEqual(
    strangers.map((e) => (e.data as DevicePresenceData).deviceId),
    ['cam-x'],
  );
});

test('a replica whose listening connection is killed reconnects and receives again', async (t) => {
  const url = schemaUrl(await createTestSchema(t, 'camlink_relay'));
  const a = await replica(t, url);
  const b = await replica(t, url);
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  t.after(() => admin.end());
  const relistened = once(b.relay.events, 'listening');
  const killed = await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [b.relay.pid]);
  assert.equal(killed.rows[0]?.ok, true, "killed B's listening session");
  await relistened;
  const arrived = nextEvent(b.hub, 'u1');
  a.hub.publish('u1', 'device.presence', presence('cam-again', 1));
  assert.equal(((await arrived).data as DevicePresenceData).deviceId, 'cam-again');
  assert.ok(b.relay.stats.reconnects >= 1);
});
