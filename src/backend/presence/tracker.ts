/**
 * Device presence for the dashboard: the backend's MQTT session follows the endpoint's lifecycle events
 * ($aws/events/presence/{connected,disconnected}/+, allowed by backend-policy.json), keeps each known
 * device's newest one in the store (order.ts decides what is newer; redeliveries and late arrivals
 * change nothing) and tells the device's owner and the operator over the event hub (device.presence),
 * so an open dashboard flips its badge without a reload. Client ids that are not registered devices
 * (the backend itself, apps) are ignored.
 */
import { topicFilters } from '../../contracts/topics.js';
import type { Logger } from '../../log/logger.js';
import type { EventHub } from '../events/hub.js';
import type { MqttSession } from '../mqtt/session.js';
import type { BackendStore } from '../store/types.js';
import { isNewerPresence, parseLifecycleEvent } from './order.js';

export interface PresenceTrackerDeps {
  readonly store: BackendStore;
  readonly events: EventHub;
  readonly logger: Logger;
}

/** Handles one lifecycle message; resolves to what happened (tests and logs). */
export async function handleLifecycleMessage(
  deps: PresenceTrackerDeps,
  topic: string,
  payload: Buffer,
): Promise<'recorded' | 'stale' | 'no-such-device' | 'malformed'> {
  const event = parseLifecycleEvent(topic, payload);
  if (event === undefined) {
    deps.logger.warn({ topic }, 'malformed lifecycle event ignored');
    return 'malformed';
  }
  const mark = { state: event.state, version: event.version, at: event.at };
  const result = await deps.store.recordPresence(event.clientId, mark, isNewerPresence);
  if (result !== 'recorded') return result;
  const owner = await deps.store.findDeviceOwner(event.clientId);
  deps.events.publish(owner?.userId, 'device.presence', {
    deviceId: event.clientId,
    state: event.state,
    since: new Date(event.at).toISOString(),
    versionNumber: event.version,
  });
  return result;
}

export async function startPresenceTracker(session: MqttSession, deps: PresenceTrackerDeps): Promise<void> {
  const onMessage = (topic: string, payload: Buffer) => {
    handleLifecycleMessage(deps, topic, payload).catch((err: unknown) =>
      deps.logger.warn(
        { err: err instanceof Error ? err.message : String(err), topic },
        'recording a lifecycle event failed',
      ),
    );
  };
  await session.subscribe(topicFilters.presenceConnected, onMessage);
  await session.subscribe(topicFilters.presenceDisconnected, onMessage);
}
