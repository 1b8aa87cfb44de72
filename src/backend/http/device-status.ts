/**
 * What the device views add to the stored rows: presence (the newest lifecycle event the backend saw,
 * presence/tracker.ts) and the certificate's state in the IoT registry (cached, cloud/certificate-cache.ts).
 * A registry that cannot be asked leaves the certificate UNKNOWN rather than failing the device list.
 */
import type { Logger } from '../../log/logger.js';
import type { CertificateStatusCache } from '../cloud/certificate-cache.js';
import type { BackendStore, Device } from '../store/types.js';
import { deviceView, type DeviceView } from './views.js';

export interface PresenceView {
  /** unknown: the backend has seen no lifecycle event of the device yet. */
  state: 'online' | 'offline' | 'unknown';
  /** ISO 8601 time of the lifecycle event; null when unknown. */
  since: string | null;
}

export interface CertificateView {
  certificateId: string | null;
  /** ACTIVE, INACTIVE, REVOKED, ... as the IoT registry says; UNKNOWN when it could not be asked. */
  status: string;
  expiresAt: string | null;
}

export interface DeviceStatusView extends DeviceView {
  presence: PresenceView;
  /** null: no certificate is attached to the device's thing. */
  certificate: CertificateView | null;
}

export async function deviceStatusViews(
  deps: { store: BackendStore; logger: Logger; certificates: CertificateStatusCache },
  devices: readonly Device[],
): Promise<DeviceStatusView[]> {
  const presence = await deps.store.findPresence(devices.map((d) => d.deviceId));
  return Promise.all(
    devices.map(async (device): Promise<DeviceStatusView> => {
      const seen = presence.get(device.deviceId);
      let certificate: CertificateView | null;
      try {
        certificate = await deps.certificates.lookup(device.deviceId, device.certificateId);
      } catch (err) {
        deps.logger.warn(
          { err: err instanceof Error ? err.message : String(err), deviceId: device.deviceId },
          'certificate status unavailable',
        );
        certificate = { certificateId: device.certificateId ?? null, status: 'UNKNOWN', expiresAt: null };
      }
      return {
        ...deviceView(device),
        presence:
          seen === undefined
            ? { state: 'unknown', since: null }
            : { state: seen.state, since: new Date(seen.at).toISOString() },
        certificate,
      };
    }),
  );
}
