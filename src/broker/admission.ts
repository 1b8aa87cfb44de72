/**
 * Device admission: whether the endpoint takes devices' connections yet. `camlink up` starts its
 * endpoint before its backend (the backend connects to it over MQTT), so for a moment after every start
 * the endpoint is up and nobody answers devices' requests: a camera that connected then would publish
 * its upload-URL request into a shared group with no member (nothing is queued for a group) and wait
 * out its timeout. While admission is closed, device CONNECTs are answered CONNACK 3 "Server
 * unavailable" (MQTT 5: 0x88), what AWS IoT answers when it cannot take a client, and devices retry
 * shortly; the service identities (the backend's own connections) are admitted. The platform opens it
 * once the backend's subscriptions are acknowledged (docs/broker.md "Admission").
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log/logger.js';
import type { DeviceIdentity } from './identity.js';

export interface AdmissionOptions {
  /** Identities admitted while admission is closed (the backend's certificate). */
  readonly service: (identity: DeviceIdentity) => boolean;
}

export class DeviceAdmission {
  private closedAt: number | undefined;
  /** Device CONNECTs answered "Server unavailable" while closed. */
  refused = 0;

  constructor(
    private readonly options: AdmissionOptions | undefined,
    private readonly logger: Logger,
  ) {
    this.closedAt = options === undefined ? undefined : performance.now();
  }

  get open(): boolean {
    return this.closedAt === undefined;
  }

  /** Whether a connection of this identity may go on now (counts the refusals). */
  admits(identity: DeviceIdentity): boolean {
    if (this.closedAt === undefined || this.options?.service(identity) === true) return true;
    this.refused++;
    return false;
  }

  /** Opens admission (once; later calls do nothing) and logs how long it was closed. */
  openNow(why: string): void {
    if (this.closedAt === undefined) return;
    const closedMs = Math.round(performance.now() - this.closedAt);
    this.closedAt = undefined;
    this.logger.info({ closedMs, refused: this.refused, why }, 'devices admitted');
  }
}
