/**
 * The MQTT topic contract (docs/architecture.md "Contracts"): every topic camlink devices, the backend
 * and the endpoint use is built here, so both sides agree byte for byte. Device ids are validated thing
 * names (device-id.ts), so they never carry wildcards or separators into a topic.
 */
export const DEVICE_TOPIC_ROOT = 'camlink/devices';
export const USER_TOPIC_ROOT = 'camlink/users';

export const topics = {
  /** device -> cloud: an upload finished (UploadNotification JSON). */
  uploads: (deviceId: string) => `${DEVICE_TOPIC_ROOT}/${deviceId}/uploads`,
  /** device -> cloud: ask for a pre-signed upload URL. */
  uploadUrlRequest: (deviceId: string) => `${DEVICE_TOPIC_ROOT}/${deviceId}/upload-url/request`,
  uploadUrlAccepted: (deviceId: string) => `${DEVICE_TOPIC_ROOT}/${deviceId}/upload-url/accepted`,
  uploadUrlRejected: (deviceId: string) => `${DEVICE_TOPIC_ROOT}/${deviceId}/upload-url/rejected`,
  /** cloud -> device commands. */
  commands: (deviceId: string) => `${DEVICE_TOPIC_ROOT}/${deviceId}/commands`,
  /** device -> cloud status reports. */
  status: (deviceId: string) => `${DEVICE_TOPIC_ROOT}/${deviceId}/status`,
  /** cloud -> a user's clients: backend events (upload recorded, device paired...), BackendEvent JSON. */
  userEvents: (userId: string) => `${USER_TOPIC_ROOT}/${userId}/events`,
  /** AWS IoT lifecycle events (life-cycle-events.md). */
  presenceConnected: (clientId: string) => `$aws/events/presence/connected/${clientId}`,
  presenceDisconnected: (clientId: string) => `$aws/events/presence/disconnected/${clientId}`,
  /** JITR/JITP registration event. */
  certificateRegistered: (caCertificateId: string) =>
    `$aws/events/certificates/registered/${caCertificateId}`,
} as const;

export const topicFilters = {
  allUploads: `${DEVICE_TOPIC_ROOT}/+/uploads`,
  allUploadUrlRequests: `${DEVICE_TOPIC_ROOT}/+/upload-url/request`,
  allPresence: '$aws/events/presence/+/+',
  /** What the backend subscribes to for device presence (backend-policy.json allows exactly these). */
  presenceConnected: '$aws/events/presence/connected/+',
  presenceDisconnected: '$aws/events/presence/disconnected/+',
} as const;
