/**
 * Server-side thumbnails of uploaded pictures (the dashboard's gallery): after an image upload is
 * reconciled, the backend reads it (bounded), decodes it with sharp (libvips; the pixel count bounded
 * too), turns it by its EXIF orientation, fits it in a square of `maxEdgePixels`, and stores a JPEG next
 * to the original under the same device prefix (`<key without extension>.thumb.jpg`). Best effort:
 * a picture that cannot be thumbnailed is logged and the gallery falls back to the picture itself.
 */
import type { Readable } from 'node:stream';
import sharp from 'sharp';
import type { Logger } from '../../log/logger.js';
import type { ObjectStore } from '../cloud/types.js';

export interface ThumbnailSettings {
  readonly enabled: boolean;
  readonly maxEdgePixels: number;
  readonly maxSourceBytes: number;
  readonly maxSourcePixels: number;
}

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/heic']);

export function thumbnailKey(key: string): string {
  return `${key.replace(/\.[A-Za-z0-9]{1,5}$/, '')}.thumb.jpg`;
}

export function hasThumbnail(contentType: string, settings: ThumbnailSettings): boolean {
  return settings.enabled && IMAGE_TYPES.has(contentType);
}

/** The whole body, or undefined (and the stream destroyed) past `limit` bytes. */
export async function readBounded(body: Readable, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Makes and stores the thumbnail; resolves false (and logs why) when it could not. */
export async function createThumbnail(
  objects: ObjectStore,
  upload: { bucket: string; key: string; contentType: string; uploadId: string },
  settings: ThumbnailSettings,
  logger: Logger,
  /** The picture's bytes when the caller has them already (the reconciler's GET); read otherwise. */
  bytes?: Buffer,
): Promise<boolean> {
  if (!hasThumbnail(upload.contentType, settings)) return false;
  try {
    let source = bytes;
    if (source === undefined) {
      const body = await objects.get(upload.bucket, upload.key);
      if (body === undefined) return false;
      source = await readBounded(body, settings.maxSourceBytes);
    }
    if (source === undefined) {
      logger.info({ uploadId: upload.uploadId }, 'no thumbnail: the picture is larger than maxSourceBytes');
      return false;
    }
    const jpeg = await sharp(source, { limitInputPixels: settings.maxSourcePixels, failOn: 'error' })
      .rotate()
      .resize(settings.maxEdgePixels, settings.maxEdgePixels, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 75, mozjpeg: true })
      .toBuffer();
    await objects.put(upload.bucket, thumbnailKey(upload.key), jpeg, 'image/jpeg');
    return true;
  } catch (err) {
    logger.warn(
      { uploadId: upload.uploadId, err: err instanceof Error ? err.message : String(err) },
      'thumbnail failed',
    );
    return false;
  }
}
