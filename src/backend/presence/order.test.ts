/** Ordering of lifecycle events that arrive late, twice, or after a version-number restart. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLOCK_SKEW_MS, isNewerPresence, parseLifecycleEvent, type PresenceMark } from './order.js';

const on = (version: number, at: number): PresenceMark => ({ state: 'online', version, at });
const off = (version: number, at: number): PresenceMark => ({ state: 'offline', version, at });

test('anything is newer than nothing', () => {
  assert.equal(isNewerPresence(off(0, 1), undefined), true);
});

test("a session's disconnect follows its connect, never the other way round", () => {
  assert.equal(isNewerPresence(off(3, 1_000), on(3, 900)), true);
  assert.equal(isNewerPresence(on(3, 900), off(3, 1_000)), false);
  // Same stamp (one millisecond): the disconnect still wins.
  assert.equal(isNewerPresence(off(3, 1_000), on(3, 1_000)), true);
});

test("an older session's late disconnect does not overwrite a newer session's connect", () => {
  // Reconnect within the skew window; the old disconnect is even stamped later by another broker.
  assert.equal(isNewerPresence(off(3, 1_200), on(4, 1_000)), false);
  assert.equal(isNewerPresence(on(4, 1_000), off(3, 1_200)), true);
});

test('redeliveries are not newer', () => {
  assert.equal(isNewerPresence(on(4, 1_000), on(4, 1_000)), false);
  assert.equal(isNewerPresence(off(4, 1_000), off(4, 1_000)), false);
});

test('far apart in time, the timestamp decides (version numbers restart)', () => {
  const later = 1_000 + CLOCK_SKEW_MS + 1;
  assert.equal(isNewerPresence(on(0, later), off(7, 1_000)), true);
  assert.equal(isNewerPresence(off(7, 1_000), on(0, later)), false);
});

test('every delivery order of a session history ends in the same state', () => {
  const history = [on(1, 100), off(1, 200), on(2, 300), off(2, 400), on(3, 500)];
  const permutations = (xs: PresenceMark[]): PresenceMark[][] =>
    xs.length <= 1
      ? [xs]
      : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
  for (const order of permutations(history)) {
    let stored: PresenceMark | undefined;
    for (const event of order) if (isNewerPresence(event, stored)) stored = event;
    assert.deepEqual(stored, on(3, 500));
  }
});

test('lifecycle messages are parsed strictly', () => {
  const payload = (o: object) => Buffer.from(JSON.stringify(o));
  const good = { clientId: 'cam-1', timestamp: 1_000, eventType: 'connected', versionNumber: 2 };
  assert.deepEqual(parseLifecycleEvent('$aws/events/presence/connected/cam-1', payload(good)), {
    clientId: 'cam-1',
    state: 'online',
    version: 2,
    at: 1_000,
  });
  assert.equal(
    parseLifecycleEvent(
      '$aws/events/presence/disconnected/cam-1',
      payload({ ...good, eventType: 'disconnected' }),
    )?.state,
    'offline',
  );
  // The topic and payload must agree; malformed fields are refused.
  assert.equal(parseLifecycleEvent('$aws/events/presence/connected/cam-2', payload(good)), undefined);
  assert.equal(parseLifecycleEvent('$aws/events/presence/disconnected/cam-1', payload(good)), undefined);
  assert.equal(
    parseLifecycleEvent('$aws/events/presence/connected/cam-1', payload({ ...good, versionNumber: -1 })),
    undefined,
  );
  assert.equal(
    parseLifecycleEvent('$aws/events/presence/connected/cam-1', payload({ ...good, timestamp: '1' })),
    undefined,
  );
  assert.equal(parseLifecycleEvent('$aws/events/presence/connected/cam-1', Buffer.from('{')), undefined);
  assert.equal(parseLifecycleEvent('camlink/devices/cam-1/status', payload(good)), undefined);
});
