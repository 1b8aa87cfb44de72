/**
 * Bucket names and object keys. Bucket names follow S3's rules (3-63 of a-z 0-9 . -, start and end
 * with a letter or digit, not an IP address). Keys are UTF-8, 1..maxKeyBytes bytes, without NUL or other
 * C0 controls. Keys never become file names: the on-disk name is the SHA-256 of the key (disk-layout.ts),
 * so "..", absolute paths and separators cannot leave the bucket directory whatever they contain.
 */
import { S3Error } from './s3-errors.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function validateBucketName(name: string): void {
  if (!BUCKET.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
    throw new S3Error('InvalidBucketName', `The specified bucket is not valid: ${name}`);
  }
}

export function validateKey(key: string, maxKeyBytes: number): void {
  if (key === '') throw new S3Error('InvalidArgument', 'An object key must not be empty');
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > maxKeyBytes) {
    throw new S3Error(
      'KeyTooLongError',
      `Your key is too long (${bytes} bytes; the limit is ${maxKeyBytes})`,
      {
        Size: String(bytes),
        MaxSizeAllowed: String(maxKeyBytes),
      },
    );
  }
  // A lone surrogate means the percent-decoded bytes were not UTF-8 (decodeURIComponent keeps U+FFFD).
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (key.includes('\uFFFD') || /[\u0000-\u001f\u007f]/.test(key) || LONE_SURROGATE.test(key)) {
    throw new S3Error('InvalidArgument', 'Object keys must be UTF-8 without control characters');
  }
}
