import { useEffect, useState } from 'react';
import { apiGet, describe, devicePath, formatTime, type Device, type Upload } from './api';
import { Link } from './Link';
import { deviceHref } from './router';

interface Row {
  device: Device;
  /** undefined: still asking; null: no upload yet. */
  lastUpload: string | null | undefined;
}

type State = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; rows: Row[] };

/** The caller's cameras (the operator: all) with the time of each one's newest photo. */
export function Fleet({ token }: { token: string }) {
  const [state, setState] = useState<State>({ kind: 'loading' });

  useEffect(() => {
    const abort = new AbortController();
    apiGet<{ devices: Device[] }>(token, '/v1/devices', abort.signal).then(
      ({ devices }) => {
        setState({ kind: 'ready', rows: devices.map((device) => ({ device, lastUpload: undefined })) });
        // One small request per camera: fine for a household's cameras, not for a large fleet.
        for (const device of devices) {
          apiGet<{ uploads: Upload[] }>(
            token,
            `${devicePath(device.deviceId)}/uploads?status=done&limit=1`,
            abort.signal,
          ).then(
            ({ uploads }) => setLast(device.deviceId, uploads[0]?.completedAt ?? null),
            () => setLast(device.deviceId, null),
          );
        }
      },
      (err: unknown) => {
        if (!abort.signal.aborted) setState({ kind: 'error', message: describe(err) });
      },
    );
    function setLast(deviceId: string, at: string | null): void {
      if (abort.signal.aborted) return;
      setState((s) =>
        s.kind === 'ready'
          ? {
              kind: 'ready',
              rows: s.rows.map((r) => (r.device.deviceId === deviceId ? { ...r, lastUpload: at } : r)),
            }
          : s,
      );
    }
    return () => abort.abort();
  }, [token]);

  return (
    <section aria-labelledby="fleet-heading">
      <h1 id="fleet-heading">Your cameras</h1>
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
          {state.rows.map(({ device, lastUpload }) => (
            <li key={device.deviceId} className="card">
              <h2>
                <Link href={deviceHref(device.deviceId)}>{device.deviceId}</Link>
              </h2>
              <dl>
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
