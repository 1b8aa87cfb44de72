/**
 * Who is on a connection. The endpoint asks an IdentityResolver about the client certificate (or, on
 * the dev plaintext listener, the bare client id) and gets the thing name, the certificate id and the
 * policies to enforce, or a refusal with its reason. The embedded default answers from the operator
 * PKI's index (pki-identity.ts); the IoT control plane's registry answers the same questions later.
 */
import { createHash } from 'node:crypto';
import type { TLSSocket, PeerCertificate as NodePeerCertificate } from 'node:tls';
import type { PolicyDocument } from '../iot/policy/document.js';

export interface PeerCertificate {
  /** DER of the client certificate. */
  readonly raw: Buffer;
  readonly subjectCommonName: string | undefined;
  readonly issuerCommonName: string | undefined;
}

export interface DeviceIdentity {
  readonly thingName: string;
  /** sha256 of the certificate DER (AWS's certificateId); undefined without a certificate. */
  readonly certificateId: string | undefined;
  readonly subjectCommonName: string | undefined;
  readonly issuerCommonName: string | undefined;
  readonly isAttached: boolean;
  /**
   * Other things the certificate is attached to (ListPrincipalThings). A connection may use one of them
   * as its client id, as on AWS (the backend's connection pool: camlink-backend-2, ... on one certificate).
   */
  readonly otherThings?: readonly string[];
  readonly policies: readonly PolicyDocument[];
}

/**
 * A refusal is `transient` when the same connection is expected to succeed if simply made again (the first
 * connection of a certificate provisioned just in time): the endpoint logs it at info, not as a fault.
 */
export type IdentityVerdict =
  { ok: true; identity: DeviceIdentity } | { ok: false; reason: string; transient?: boolean };

export interface IdentityResolver {
  resolveCertificate(peer: PeerCertificate): Promise<IdentityVerdict>;
  /** The dev plaintext listener: no certificate, the client id stands in for the thing name. */
  resolveUnauthenticated(clientId: string): Promise<IdentityVerdict>;
  /** Certificate ids that must not stay connected any more (revoked or deactivated since they connected). */
  refusedSince?(certificateIds: ReadonlySet<string>): Promise<Set<string>>;
}

/**
 * The dev plaintext listener's identity: no certificate; the client id stands in for the thing name and
 * for a certificate attached to it (the device policy's iot:Connection.Thing.IsAttached condition is
 * met), so the rest of the device policy applies as it would to that thing over mutual TLS.
 */
export function unauthenticatedIdentity(
  clientId: string,
  policies: readonly PolicyDocument[],
): IdentityVerdict {
  return {
    ok: true,
    identity: {
      thingName: clientId,
      certificateId: undefined,
      subjectCommonName: undefined,
      issuerCommonName: undefined,
      isAttached: true,
      policies,
    },
  };
}

export function certificateIdOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

/** The verified client certificate of a TLS socket, or undefined when there is none. */
export function peerCertificate(socket: TLSSocket): PeerCertificate | undefined {
  if (!socket.authorized) return undefined;
  const cert: NodePeerCertificate = socket.getPeerCertificate(false);
  if (!cert.raw) return undefined;
  return {
    raw: cert.raw,
    subjectCommonName: firstValue(cert.subject?.CN),
    issuerCommonName: firstValue(cert.issuer?.CN),
  };
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
}
