import { formatSize, formatTime } from './api';
import type { UploadsState } from './DevicePage';
import type { StreamState } from './events';

const STREAM_TEXT: Record<StreamState | 'failed', string> = {
  connecting: 'Connecting to live updates…',
  open: 'Live: new uploads appear as they finish.',
  reconnecting: 'Live updates interrupted; reconnecting…',
  failed: 'Live updates are unavailable; reload the page to try again.',
};

const STATUS_TEXT = { pending: 'uploading', done: 'uploaded', rejected: 'rejected' } as const;

/** Every upload of the camera with its state, refreshed on each upload.completed event. */
export function Timeline({
  uploads,
  stream,
  fresh,
}: {
  uploads: UploadsState;
  stream: StreamState | 'failed';
  fresh: ReadonlySet<string>;
}) {
  return (
    <section aria-labelledby="timeline-heading" className="panel">
      <h2 id="timeline-heading">Upload timeline</h2>
      <p role="status" className={`stream stream-${stream}`}>
        {STREAM_TEXT[stream]}
      </p>
      {uploads.kind === 'ready' && uploads.uploads.length === 0 && <p className="empty">No uploads yet.</p>}
      {uploads.kind === 'ready' && uploads.uploads.length > 0 && (
        <ol className="timeline" aria-live="polite">
          {uploads.uploads.map((u) => (
            <li key={u.uploadId} className={`upload upload-${u.status}`}>
              <time dateTime={u.completedAt ?? u.createdAt}>{formatTime(u.completedAt ?? u.createdAt)}</time>
              <span className="status">{STATUS_TEXT[u.status]}</span>
              {fresh.has(u.uploadId) && <span className="badge">new</span>}
              <span className="detail">
                {u.contentType}, {formatSize(u.size)}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
