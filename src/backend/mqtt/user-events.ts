/**
 * The MQTT leg of the fan-out: every event the backend publishes to a user also goes to
 * camlink/users/{userId}/events (QoS 1), so a user's clients with an MQTT session (the app, a
 * dashboard) learn of it without the backend's HTTP stream. Publishing never blocks the caller; a
 * failure is logged and counted (the SSE stream and the media API still have the event).
 */
import { topics } from '../../contracts/topics.js';
import type { Logger } from '../../log/logger.js';
import type { MqttSession } from './session.js';

export interface UserEventRepublisher {
  readonly stats: { published: number; failed: number };
  /** Hand one event over; resolves when the endpoint acknowledged it (or it failed and was logged). */
  forward(userId: string, event: unknown): Promise<void>;
}

export function userEventRepublisher(session: MqttSession, logger: Logger): UserEventRepublisher {
  const stats = { published: 0, failed: 0 };
  return {
    stats,
    async forward(userId, event) {
      try {
        await session.publish(topics.userEvents(userId), JSON.stringify(event), 1);
        stats.published++;
      } catch (err) {
        stats.failed++;
        logger.warn(
          { err: err instanceof Error ? err.message : String(err), userId },
          'user event not republished',
        );
      }
    },
  };
}
