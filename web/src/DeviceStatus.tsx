/** A camera's presence badge (online/offline/unknown, since when) and its certificate state and expiry. */
import { formatTime, type Certificate, type Presence } from './api';

const PRESENCE_TEXT = { online: 'Online', offline: 'Offline', unknown: 'Presence unknown' } as const;

export function PresenceBadge({ presence }: { presence: Presence | undefined }) {
  const state = presence?.state ?? 'unknown';
  return (
    <span className={`presence presence-${state}`} data-presence={state}>
      <span aria-hidden="true" className="dot" />
      {PRESENCE_TEXT[state]}
      {presence?.since ? <span className="since"> since {formatTime(presence.since)}</span> : null}
    </span>
  );
}

/** Days until `iso` from now; negative when past. */
function daysUntil(iso: string): number {
  return Math.floor((new Date(iso).getTime() - Date.now()) / 86_400_000);
}

export function CertificateStatus({ certificate }: { certificate: Certificate | null | undefined }) {
  if (certificate === undefined) return <span className="cert cert-unknown">not reported</span>;
  if (certificate === null) return <span className="cert cert-none">no certificate attached</span>;
  const expires = certificate.expiresAt;
  const days = expires === null ? undefined : daysUntil(expires);
  const tone =
    certificate.status !== 'ACTIVE' || (days !== undefined && days < 0)
      ? 'bad'
      : days !== undefined && days < 30
        ? 'warn'
        : 'good';
  return (
    <span className={`cert cert-${tone}`} data-certificate-status={certificate.status}>
      <strong>{certificate.status}</strong>
      {expires !== null && (
        <>
          {' '}
          · {days !== undefined && days < 0 ? 'expired' : 'expires'}{' '}
          <time dateTime={expires}>{formatTime(expires)}</time>
        </>
      )}
    </span>
  );
}
