import { formatSize, formatTime } from './api';
import type { StreamState } from './events';
import { LoadMore } from './LoadMore';
import type { UploadList } from './uploads';

const STREAM_TEXT: Record<StreamState | 'failed', string> = {
  connecting: 'Connecting to live updates…',
  open: 'Live: new uploads appear as they finish.',
  reconnecting: 'Live updates interrupted; reconnecting…',
  failed: 'Live updates are unavailable; reload the page to try again.',
};

const STATUS_TEXT = { pending: 'uploading', done: 'uploaded', rejected: 'rejected' } as const;

/** Every upload of the camera with its state, in pages, refreshed on each upload.completed event. */
export function Timeline({
  list,
  stream,
  fresh,
  onLoadMore,
}: {
  list: UploadList;
  stream: StreamState | 'failed';
  fresh: ReadonlySet<string>;
  onLoadMore: () => void;
}) {
  return (
    <section aria-labelledby="timeline-heading" className="panel">
      <h2 id="timeline-heading">Upload timeline</h2>
      <p role="status" className={`stream stream-${stream}`}>
        {STREAM_TEXT[stream]}
      </p>
      {list.kind === 'error' && (
        <p role="alert" className="error">
          The uploads could not be loaded: {list.message}
        </p>
      )}
      {list.kind === 'ready' && list.uploads.length === 0 && <p className="empty">No uploads yet.</p>}
      {list.kind === 'ready' && list.uploads.length > 0 && (
        <ol className="timeline" aria-label="Uploads, newest first" aria-live="polite">
          {list.uploads.map((u) => (
            <li key={u.uploadId} className={`upload upload-${u.status}`} data-upload-id={u.uploadId}>
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
      {list.kind === 'ready' && <LoadMore list={list} what="uploads" onLoadMore={onLoadMore} />}
    </section>
  );
}
