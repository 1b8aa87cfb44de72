/**
 * AWS IoT lifecycle events (developer guide life-cycle-events.md): connected/disconnected messages on
 * $aws/events/presence/{connected|disconnected}/<clientId> with AWS's payload fields. versionNumber
 * increases per client id with every new session; connect and disconnect of one session share it.
 */
import { topics } from '../contracts/topics.js';
import type { DisconnectReason, Session } from './session.js';

export interface PresenceMessage {
  topic: string;
  payload: string;
}

export function connectedEvent(clientId: string, session: Session, timestamp: number): PresenceMessage {
  return {
    topic: topics.presenceConnected(clientId),
    payload: JSON.stringify({
      clientId,
      timestamp,
      eventType: 'connected',
      sessionIdentifier: session.sessionIdentifier,
      principalIdentifier: principalOf(session),
      ipAddress: session.ipAddress,
      versionNumber: session.versionNumber,
    }),
  };
}

export function disconnectedEvent(
  clientId: string,
  session: Session,
  reason: DisconnectReason,
  timestamp: number,
): PresenceMessage {
  return {
    topic: topics.presenceDisconnected(clientId),
    payload: JSON.stringify({
      clientId,
      timestamp,
      eventType: 'disconnected',
      clientInitiatedDisconnect: reason === 'CLIENT_INITIATED_DISCONNECT',
      sessionIdentifier: session.sessionIdentifier,
      principalIdentifier: principalOf(session),
      disconnectReason: reason,
      versionNumber: session.versionNumber,
    }),
  };
}

function principalOf(session: Session): string {
  return session.identity.certificateId ?? 'anonymous';
}

/** Version numbers per client id. */
export class PresenceVersions {
  private readonly versions = new Map<string, number>();

  next(clientId: string): number {
    const version = (this.versions.get(clientId) ?? -1) + 1;
    this.versions.set(clientId, version);
    return version;
  }
}
