/** What the backend app is built from; everything with time, randomness or I/O is injected. */
import type { BackendConfig } from '../../config/schema.js';
import type { Logger } from '../../log/logger.js';
import type { Clock, RandomBytes } from '../../util/clock.js';
import type { BackendServices } from '../cloud/types.js';
import type { EventHub } from '../events/hub.js';
import type { DeadLetterSnapshot } from '../uploads/dead-letters.js';
import type { BackendHealth } from '../health.js';
import type { BackendStore } from '../store/types.js';

export interface BackendDeps {
  readonly store: BackendStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: {
    readonly backend: BackendConfig;
    /** The operator's extra device-id rule (pki.deviceIdPattern). */
    readonly pki: { readonly deviceIdPattern: string };
  };
  /** Object store, presigner, IoT device directory, queue and MQTT identity. */
  readonly services: BackendServices;
  /** User events (GET /v1/events); the reconciler publishes into the same hub. */
  readonly events: EventHub;
  readonly random?: RandomBytes;
  /** The upload queue's dead-letter count (GET /v1/dead-letters); absent when not watched. */
  readonly deadLetters?: { snapshot(): DeadLetterSnapshot; check(): Promise<DeadLetterSnapshot> };
  /** Checks that failed since start; /healthz answers `degraded` while there are any. */
  readonly health?: BackendHealth;
}
