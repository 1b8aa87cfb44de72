import { formatTime } from './api';
import type { UploadsState } from './DevicePage';

/**
 * The camera's finished photos, newest first. Thumbnails are the full images behind their pre-signed
 * GET URLs, scaled by CSS (object-fit); server-side thumbnails are a later step.
 */
export function Gallery({ deviceId, uploads }: { deviceId: string; uploads: UploadsState }) {
  const photos =
    uploads.kind === 'ready' ? uploads.uploads.filter((u) => u.status === 'done' && u.get !== undefined) : [];
  return (
    <section aria-labelledby="gallery-heading" className="panel">
      <h2 id="gallery-heading">Photos</h2>
      {uploads.kind === 'loading' && <p role="status">Loading photos…</p>}
      {uploads.kind === 'error' && (
        <p role="alert" className="error">
          The photos could not be loaded: {uploads.message}
        </p>
      )}
      {uploads.kind === 'ready' && photos.length === 0 && (
        <p className="empty">No photos yet. New uploads from the camera appear here as they arrive.</p>
      )}
      {photos.length > 0 && (
        <ul className="gallery">
          {photos.map((photo) => (
            <li key={photo.uploadId}>
              <figure>
                <a href={photo.get?.url} target="_blank" rel="noreferrer noopener">
                  <img
                    src={photo.get?.url}
                    alt={`Photo ${photo.uploadId} from ${deviceId}, ${formatTime(photo.completedAt)}`}
                    loading="lazy"
                    decoding="async"
                    referrerPolicy="no-referrer"
                  />
                </a>
                <figcaption>
                  <time dateTime={photo.completedAt ?? photo.createdAt}>{formatTime(photo.completedAt)}</time>
                </figcaption>
              </figure>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
