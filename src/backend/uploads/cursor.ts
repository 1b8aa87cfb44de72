/**
 * The media API's page cursor: opaque to clients, base64url of the JSON key of the last row shown,
 * {createdAt, uploadId} (the store pages by that pair, so concurrent inserts neither repeat nor skip
 * rows). A cursor that does not decode to exactly that shape is VALIDATION_FAILED.
 */
import { z } from 'zod';
import { UPLOAD_ID_PATTERN } from '../../contracts/upload-notification.js';
import { CamlinkError } from '../../errors/camlink-error.js';

export interface UploadCursor {
  readonly createdAt: number;
  readonly uploadId: string;
}

const cursorSchema = z.strictObject({
  createdAt: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  uploadId: z.string().regex(UPLOAD_ID_PATTERN),
});

export function encodeCursor(cursor: UploadCursor): string {
  return Buffer.from(
    JSON.stringify({ createdAt: cursor.createdAt, uploadId: cursor.uploadId }),
    'utf8',
  ).toString('base64url');
}

export function decodeCursor(text: string): UploadCursor {
  const invalid = () =>
    new CamlinkError('VALIDATION_FAILED', 'query.cursor: not a cursor from a previous page');
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw invalid();
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const parsed = cursorSchema.safeParse(json);
  if (!parsed.success) throw invalid();
  return parsed.data;
}
