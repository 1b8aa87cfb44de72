/** Store rows as the API shows them: ISO-8601 times, no hashes, no undefined keys. */
import type { Device, User } from '../store/types.js';

export interface UserView {
  id: string;
  name: string;
  createdAt: string;
}

export interface DeviceView {
  deviceId: string;
  certificateId: string | null;
  createdAt: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function userView(user: User): UserView {
  return { id: user.id, name: user.name, createdAt: iso(user.createdAt) };
}

export function deviceView(device: Device): DeviceView {
  return {
    deviceId: device.deviceId,
    certificateId: device.certificateId ?? null,
    createdAt: iso(device.createdAt),
  };
}
