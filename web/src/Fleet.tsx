import { useEffect, useState } from 'react';
import {
  apiGet,
  describe,
  devicePath,
  formatTime,
  type Device,
  type Me,
  type Presence,
  type Upload,
} from './api';
import { DeadLetters } from './DeadLetters';
import { CertificateStatus, PresenceBadge } from './DeviceStatus';
import { followEvents } from './events';
import { Link } from './Link';
import { deviceHref } from './router';

interface Row {
  device: Device;
  presence: Presence | undefined;
  /** undefined: still asking; null: no upload yet. */
  lastUpload: string | null | undefined;
}

type State = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; rows: Row[] };

/**
 * The caller's cameras (the operator: all) with presence (live from the event stream), certificate
 * state and expiry, and the time of each one's newest photo.
 */
export function Fleet({ token, me }: { token: string; me: Me | null }) {
  const [state, setState] = useState<State>({ kind: 'loading' });

  useEffect(() => {
    const abort = new AbortController();
    const update = (deviceId: string, change: (r: Row) => Row) => {
      if (abort.signal.aborted) return;
      setState((s) =>
        s.kind === 'ready'
          ? { kind: 'ready', rows: s.rows.map((r) => (r.device.deviceId === deviceId ? change(r) : r)) }
          : s,
      );
    };
    const load = () =>
      apiGet<{ devices: Device[] }>(token, '/v1/devices', abort.signal).then(
        ({ devices }) => {
          setState((s) => {
            const before = new Map(s.kind === 'ready' ? s.rows.map((r) => [r.device.deviceId, r]) : []);
            return {
              kind: 'ready',
              rows: devices.map((device) => ({
                device,
                presence: newer(before.get(device.deviceId)?.presence, device.presence),
                lastUpload: before.get(device.deviceId)?.lastUpload,
              })),
            };
          });
          // One small request per camera: fine for a household's cameras, not for a large fleet.
          for (const device of devices) {
            apiGet<{ uploads: Upload[] }>(
              token,
              `${devicePath(device.deviceId)}/uploads?status=done&limit=1`,
              abort.signal,
            ).then(
              ({ uploads }) =>
                update(device.deviceId, (r) => ({ ...r, lastUpload: uploads[0]?.completedAt ?? null })),
              () => update(device.deviceId, (r) => ({ ...r, lastUpload: r.lastUpload ?? null })),
            );
          }
        },
        (err: unknown) => {
          if (!abort.signal.aborted)
            setState((s) => (s.kind === 'ready' ? s : { kind: 'error', message: describe(err) }));
        },
      );
    // Presence and new photos arrive on the event stream. The list is read at once, and again each time
    // the stream opens: what changed before the subscription (or while it was down) is not missed.
    void load();
    followEvents(
      token,
      (event) => {
        const deviceId = event.data['deviceId'];
        if (typeof deviceId !== 'string') return;
        if (event.type === 'device.presence') {
          const st = event.data['state'];
          const since = event.data['since'];
          if ((st === 'online' || st === 'offline') && typeof since === 'string') {
            update(deviceId, (r) => ({ ...r, presence: { state: st, since } }));
          }
        } else if (event.type === 'upload.completed') {
          const at = event.data['completedAt'];
          if (typeof at === 'string') update(deviceId, (r) => ({ ...r, lastUpload: at }));
        }
      },
      (streamState) => {
        if (streamState === 'open') void load();
      },
      abort.signal,
    ).catch(() => undefined); // without live updates the list still works
    return () => abort.abort();
  }, [token]);

  return (
    <section aria-labelledby="fleet-heading">
      <h1 id="fleet-heading">{me?.kind === 'operator' ? 'All cameras' : 'Your cameras'}</h1>
      {me?.kind === 'operator' && <DeadLetters token={token} />}
      {state.kind === 'loading' && <p role="status">Loading cameras…</p>}
      {state.kind === 'error' && (
        <p role="alert" className="error">
          The cameras could not be loaded: {state.message}
        </p>
      )}
      {state.kind === 'ready' && state.rows.length === 0 && (
        <p className="empty">
          No cameras yet. Pair a camera with the camlink app (<code>camlink app pair</code>) and it appears
          here.
        </p>
      )}
      {state.kind === 'ready' && state.rows.length > 0 && (
        <ul className="fleet">
          {state.rows.map(({ device, presence, lastUpload }) => (
            <li key={device.deviceId} className="card" data-device-id={device.deviceId}>
              <h2>
                <Link href={deviceHref(device.deviceId)}>{device.deviceId}</Link>
              </h2>
              <PresenceBadge presence={presence} />
              <dl>
                <dt>Certificate</dt>
                <dd>
                  <CertificateStatus certificate={device.certificate} />
                </dd>
                <dt>Registered</dt>
                <dd>{formatTime(device.createdAt)}</dd>
                <dt>Last photo</dt>
                <dd>
                  {lastUpload === undefined ? '…' : lastUpload === null ? 'none yet' : formatTime(lastUpload)}
                </dd>
              </dl>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The later of two presence readings (an event may be newer than a list read in flight). */
function newer(a: Presence | undefined, b: Presence | undefined): Presence | undefined {
  if (a?.since == null) return b ?? a;
  if (b?.since == null) return a;
  return a.since > b.since ? a : b;
}
