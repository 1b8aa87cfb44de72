import { useCallback, useEffect, useState } from 'react';
import { apiGet, ApiError, describe, devicePath, formatTime, type Device, type Upload } from './api';
import { followEvents, type StreamState } from './events';
import { Gallery } from './Gallery';
import { Link } from './Link';
import { Timeline } from './Timeline';
import { VideoPlayer } from './VideoPlayer';

type DeviceState =
  | { kind: 'loading' }
  | { kind: 'missing' }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; device: Device; pairedAt: string | null };

type UploadsState =
  { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; uploads: Upload[] };

const UPLOADS_SHOWN = 50;

/** One camera: live video, the photo gallery and the upload timeline (live from the event stream). */
export function DevicePage({ token, deviceId }: { token: string; deviceId: string }) {
  const [device, setDevice] = useState<DeviceState>({ kind: 'loading' });
  const [uploads, setUploads] = useState<UploadsState>({ kind: 'loading' });
  const [stream, setStream] = useState<StreamState | 'failed'>('connecting');
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());

  useEffect(() => {
    const abort = new AbortController();
    apiGet<{ device: Device; pairedAt?: string | null }>(token, devicePath(deviceId), abort.signal).then(
      (body) => setDevice({ kind: 'ready', device: body.device, pairedAt: body.pairedAt ?? null }),
      (err: unknown) => {
        if (abort.signal.aborted) return;
        setDevice(
          err instanceof ApiError && err.code === 'NOT_FOUND'
            ? { kind: 'missing' }
            : { kind: 'error', message: describe(err) },
        );
      },
    );
    return () => abort.abort();
  }, [token, deviceId]);

  const loadUploads = useCallback(
    (signal: AbortSignal) =>
      apiGet<{ uploads: Upload[] }>(
        token,
        `${devicePath(deviceId)}/uploads?limit=${UPLOADS_SHOWN}`,
        signal,
      ).then(
        (body) => setUploads({ kind: 'ready', uploads: body.uploads }),
        (err: unknown) => {
          if (!signal.aborted) setUploads({ kind: 'error', message: describe(err) });
        },
      ),
    [token, deviceId],
  );

  // The event stream opens first, then the list is read, so no completion falls in between; every
  // upload.completed of this camera reloads the list (it carries fresh GET URLs for the gallery).
  useEffect(() => {
    const abort = new AbortController();
    followEvents(
      token,
      (event) => {
        if (event.type !== 'upload.completed' || event.data['deviceId'] !== deviceId) return;
        const id = event.data['uploadId'];
        if (typeof id === 'string') setFresh((s) => new Set(s).add(id));
        void loadUploads(abort.signal);
      },
      (state) => {
        setStream(state);
        if (state === 'open') void loadUploads(abort.signal);
      },
      abort.signal,
    ).catch(() => {
      if (!abort.signal.aborted) setStream('failed');
    });
    return () => abort.abort();
  }, [token, deviceId, loadUploads]);

  if (device.kind === 'missing') {
    return (
      <section>
        <h1>Camera not found</h1>
        <p className="empty">
          There is no camera <code>{deviceId}</code> paired with your account.
        </p>
        <p>
          <Link href="/">Back to your cameras</Link>
        </p>
      </section>
    );
  }

  return (
    <article aria-labelledby="device-heading" className="device">
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link href="/">Cameras</Link> / <span aria-current="page">{deviceId}</span>
      </nav>
      <h1 id="device-heading">{deviceId}</h1>
      {device.kind === 'loading' && <p role="status">Loading camera…</p>}
      {device.kind === 'error' && (
        <p role="alert" className="error">
          The camera could not be loaded: {device.message}
        </p>
      )}
      {device.kind === 'ready' && (
        <p className="meta">
          Registered {formatTime(device.device.createdAt)}
          {device.pairedAt !== null && <> · paired {formatTime(device.pairedAt)}</>}
        </p>
      )}
      <div className="device-grid">
        <VideoPlayer token={token} deviceId={deviceId} />
        <Timeline uploads={uploads} stream={stream} fresh={fresh} />
      </div>
      <Gallery deviceId={deviceId} uploads={uploads} />
    </article>
  );
}

export type { UploadsState };
