/**
 * Per-connection state the endpoint keeps beside aedes' own client: who it is, its compiled policy,
 * its rate and in-flight counters, and why it ended (AWS's disconnectReason values).
 */
import type { DeviceIdentity } from './identity.js';
import type { ConnectionPolicy } from '../iot/policy/evaluate.js';
import type { TokenBucket } from '../util/token-bucket.js';

/** `DisconnectReasonValue` of AWS IoT lifecycle events. */
export type DisconnectReason =
  | 'AUTH_ERROR'
  | 'CLIENT_ERROR'
  | 'CLIENT_INITIATED_DISCONNECT'
  | 'CONNECTION_LOST'
  | 'DUPLICATE_CLIENTID'
  | 'FORBIDDEN_ACCESS'
  | 'MQTT_KEEP_ALIVE_TIMEOUT'
  | 'SERVER_ERROR'
  | 'SERVER_INITIATED_DISCONNECT'
  | 'THROTTLED'
  | 'UNKNOWN';

export interface Session {
  readonly identity: DeviceIdentity;
  readonly policy: ConnectionPolicy;
  readonly sessionIdentifier: string;
  readonly versionNumber: number;
  readonly ipAddress: string | undefined;
  readonly listener: 'tls' | 'plaintext';
  readonly publishes: TokenBucket;
  readonly subscriptions: Set<string>;
  inflightQos1: number;
  disconnectReason: DisconnectReason | undefined;
  /** Set once the connected presence event went out, so a disconnected event follows only then. */
  announced: boolean;
}

/**
 * A refused CONNECT, remembered between preConnect and authenticate in "connack" mode, and always for
 * 3 (server unavailable: devices are not admitted yet, admission.ts).
 */
export interface Refusal {
  readonly reason: string;
  readonly returnCode: 2 | 3 | 5;
  /**
   * By design and over once the client connects again (a just-provisioned certificate's first connection,
   * the per-client-id connect quota): logged at info, the others at warn.
   */
  readonly transient?: boolean;
}
