/**
 * Receipt handles: opaque, unguessable, and tied to one receive. A handle is base64url of
 * "<queue id>.<row id>.<token>", where the token is 128 random bits stored with the message at that
 * receive; the next receive draws a new token, which makes older handles stale.
 */
import { SqsError } from './errors.js';

export interface ReceiptHandle {
  readonly queueId: number;
  readonly rowId: number;
  readonly token: string;
}

const DECODED = /^([1-9][0-9]{0,15})\.([1-9][0-9]{0,15})\.([0-9a-f]{32})$/;

export function encodeReceiptHandle(handle: ReceiptHandle): string {
  return Buffer.from(`${handle.queueId}.${handle.rowId}.${handle.token}`).toString('base64url');
}

export function decodeReceiptHandle(text: string): ReceiptHandle {
  const match = text.length <= 128 ? DECODED.exec(Buffer.from(text, 'base64url').toString('latin1')) : null;
  if (match === null || Buffer.from(match[0]).toString('base64url') !== text) {
    throw new SqsError(
      'ReceiptHandleIsInvalid',
      `The input receipt handle "${text.slice(0, 128)}" is not a valid receipt handle.`,
    );
  }
  return { queueId: Number(match[1]), rowId: Number(match[2]), token: match[3] ?? '' };
}
