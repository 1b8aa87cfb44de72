import { useCallback, useEffect, useState } from 'react';
import {
  apiGet,
  ApiError,
  describe,
  devicePath,
  formatTime,
  type Device,
  type Me,
  type Presence,
} from './api';
import { CertificateStatus, PresenceBadge } from './DeviceStatus';
import { followEvents, type StreamState } from './events';
import { Gallery } from './Gallery';
import { Link } from './Link';
import { OperatorActions } from './OperatorActions';
import { Timeline } from './Timeline';
import { useUploadList } from './uploads';
import { VideoPlayer } from './VideoPlayer';

interface DeviceBody {
  device: Device;
  pairedAt?: string | null;
  /** Operator tokens only. */
  ownerUserId?: string | null;
}

type DeviceState =
  | { kind: 'loading' }
  | { kind: 'missing' }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; body: DeviceBody };

/**
 * One camera: presence and certificate, live video, the photo gallery and the upload timeline (both
 * paged, live from the event stream), and for operators the upload-URL and pairing actions.
 */
export function DevicePage({ token, deviceId, me }: { token: string; deviceId: string; me: Me | null }) {
  const [device, setDevice] = useState<DeviceState>({ kind: 'loading' });
  const [presence, setPresence] = useState<Presence | undefined>(undefined);
  const [stream, setStream] = useState<StreamState | 'failed'>('connecting');
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const timeline = useUploadList(token, deviceId);
  const photos = useUploadList(token, deviceId, 'done');
  const { refreshHead: refreshTimeline } = timeline;
  const { refreshHead: refreshPhotos } = photos;

  const loadDevice = useCallback(
    (signal?: AbortSignal) =>
      apiGet<DeviceBody>(token, devicePath(deviceId), signal).then(
        (body) => {
          setDevice({ kind: 'ready', body });
          // A presence event that came in meanwhile is newer than the list's.
          setPresence((p) =>
            p?.since && body.device.presence?.since && p.since > body.device.presence.since
              ? p
              : body.device.presence,
          );
        },
        (err: unknown) => {
          if (signal?.aborted) return;
          setDevice(
            err instanceof ApiError && err.code === 'NOT_FOUND'
              ? { kind: 'missing' }
              : { kind: 'error', message: describe(err) },
          );
        },
      ),
    [token, deviceId],
  );

  useEffect(() => {
    const abort = new AbortController();
    void loadDevice(abort.signal);
    return () => abort.abort();
  }, [loadDevice]);

  // Every upload.completed of this camera re-reads the newest page of both lists (fresh GET URLs),
  // upload.thumbnail the gallery's; device.presence flips the badge. When the stream (re)opens, the lists are read again, so nothing
  // that happened while it was down is missed.
  useEffect(() => {
    const abort = new AbortController();
    followEvents(
      token,
      (event) => {
        if (event.data['deviceId'] !== deviceId) return;
        if (event.type === 'device.presence') {
          const state = event.data['state'];
          const since = event.data['since'];
          if ((state === 'online' || state === 'offline') && typeof since === 'string') {
            setPresence({ state, since });
          }
          return;
        }
        if (event.type === 'upload.thumbnail') {
          // The gallery showed the picture itself until its thumbnail was stored.
          void refreshPhotos(abort.signal);
          return;
        }
        if (event.type !== 'upload.completed') return;
        const id = event.data['uploadId'];
        if (typeof id === 'string') setFresh((s) => new Set(s).add(id));
        void refreshTimeline(abort.signal);
        void refreshPhotos(abort.signal);
      },
      (state) => {
        setStream(state);
        if (state === 'open') {
          void refreshTimeline(abort.signal);
          void refreshPhotos(abort.signal);
        }
      },
      abort.signal,
    ).catch(() => {
      if (!abort.signal.aborted) setStream('failed');
    });
    return () => abort.abort();
  }, [token, deviceId, refreshTimeline, refreshPhotos]);

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

  const body = device.kind === 'ready' ? device.body : undefined;
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
      {body !== undefined && (
        <dl className="meta device-meta">
          <dt>Connection</dt>
          <dd>
            <PresenceBadge presence={presence} />
          </dd>
          <dt>Certificate</dt>
          <dd>
            <CertificateStatus certificate={body.device.certificate} />
          </dd>
          <dt>Registered</dt>
          <dd>
            {formatTime(body.device.createdAt)}
            {body.pairedAt ? <> · paired {formatTime(body.pairedAt)}</> : null}
          </dd>
        </dl>
      )}
      <div className="device-grid">
        <VideoPlayer token={token} deviceId={deviceId} />
        <Timeline
          list={timeline.list}
          stream={stream}
          fresh={fresh}
          onLoadMore={() => void timeline.loadMore()}
        />
      </div>
      <Gallery
        deviceId={deviceId}
        list={photos.list}
        onLoadMore={() => void photos.loadMore()}
        onImageError={(id) => void photos.refreshOne(id)}
      />
      {me?.kind === 'operator' && (
        <OperatorActions
          token={token}
          deviceId={deviceId}
          ownerUserId={body === undefined ? undefined : (body.ownerUserId ?? null)}
          onUnpaired={() => void loadDevice()}
        />
      )}
    </article>
  );
}
