import { useState } from 'react';
import { formatTime, type Upload } from './api';
import type { UploadList } from './uploads';
import { LoadMore } from './LoadMore';

/**
 * The camera's finished photos, newest first, in pages: the backend's thumbnails (JPEG, 320 px),
 * linking to the full picture; a photo without a thumbnail (too large, not decodable) shows the picture
 * itself. An image that fails to load asks for its upload again once (its pre-signed URL may have
 * expired), then falls back to the full picture, then says it is unavailable.
 */
export function Gallery({
  deviceId,
  list,
  onLoadMore,
  onImageError,
}: {
  deviceId: string;
  list: UploadList;
  onLoadMore: () => void;
  onImageError: (uploadId: string) => void;
}) {
  const photos = list.kind === 'ready' ? list.uploads.filter((u) => u.status === 'done' && u.get) : [];
  return (
    <section aria-labelledby="gallery-heading" className="panel">
      <h2 id="gallery-heading">Photos</h2>
      {list.kind === 'loading' && <p role="status">Loading photos…</p>}
      {list.kind === 'error' && (
        <p role="alert" className="error">
          The photos could not be loaded: {list.message}
        </p>
      )}
      {list.kind === 'ready' && photos.length === 0 && (
        <p className="empty">No photos yet. New uploads from the camera appear here as they arrive.</p>
      )}
      {photos.length > 0 && (
        <ul className="gallery">
          {photos.map((photo) => (
            <Photo key={photo.uploadId} deviceId={deviceId} photo={photo} onImageError={onImageError} />
          ))}
        </ul>
      )}
      {list.kind === 'ready' && <LoadMore list={list} what="photos" onLoadMore={onLoadMore} />}
    </section>
  );
}

function Photo({
  deviceId,
  photo,
  onImageError,
}: {
  deviceId: string;
  photo: Upload;
  onImageError: (uploadId: string) => void;
}) {
  // URLs that failed; a refreshed upload brings new URLs, which get their own chance.
  const [failed, setFailed] = useState<ReadonlySet<string>>(new Set());
  const [asked, setAsked] = useState(false);
  const candidates = [photo.thumbnail?.url, photo.get?.url].filter(
    (u): u is string => u !== undefined && !failed.has(u),
  );
  const src = candidates[0];
  const alt = `Photo ${photo.uploadId} from ${deviceId}, ${formatTime(photo.completedAt)}`;
  return (
    <li>
      <figure>
        {src === undefined ? (
          <p className="error" role="img" aria-label={alt}>
            Image unavailable
          </p>
        ) : (
          <a href={photo.get?.url} target="_blank" rel="noreferrer noopener">
            <img
              src={src}
              onError={() => {
                setFailed((s) => new Set(s).add(src));
                if (!asked) {
                  setAsked(true);
                  onImageError(photo.uploadId);
                }
              }}
              alt={alt}
              loading="lazy"
              decoding="async"
              referrerPolicy="no-referrer"
            />
          </a>
        )}
        <figcaption>
          <time dateTime={photo.completedAt ?? photo.createdAt}>{formatTime(photo.completedAt)}</time>
        </figcaption>
      </figure>
    </li>
  );
}
