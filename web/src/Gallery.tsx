import { formatTime } from './api';
import type { UploadsState } from './DevicePage';

/**
 * The camera's finished photos, newest first: the backend's thumbnails (JPEG, 320 px), linking to the
 * full picture; a photo without a thumbnail (too large, not decodable) shows the picture itself.
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
                    src={photo.thumbnail?.url ?? photo.get?.url}
                    onError={(e) => {
                      const full = photo.get?.url;
                      if (full !== undefined && e.currentTarget.src !== full) e.currentTarget.src = full;
                    }}
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
