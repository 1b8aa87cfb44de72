/**
 * Decoding of a camera's upload-URL request payload (src/contracts/upload-url.ts): at most 4 KiB of
 * UTF-8 JSON matching the request schema. Pure, so it is fuzzed on its own (upload-url-payload.fuzz.test.ts).
 * A failure still carries the request's clientToken when it had a valid one, so the rejection can be
 * matched by the camera.
 */
import {
  UPLOAD_URL_MAX_PAYLOAD_BYTES,
  uploadUrlRequestSchema,
  type UploadUrlRequest,
} from '../../contracts/upload-url.js';
import { CamlinkError } from '../../errors/camlink-error.js';
import { describeIssues } from '../http/validation.js';

const CLIENT_TOKEN = /^[A-Za-z0-9_.:-]{1,64}$/;

export type DecodedUploadUrlRequest =
  | { readonly ok: true; readonly request: UploadUrlRequest }
  | { readonly ok: false; readonly clientToken: string | undefined; readonly error: CamlinkError };

export function decodeUploadUrlRequest(payload: Uint8Array): DecodedUploadUrlRequest {
  const fail = (error: CamlinkError, clientToken?: string): DecodedUploadUrlRequest => ({
    ok: false,
    clientToken,
    error,
  });
  if (payload.length > UPLOAD_URL_MAX_PAYLOAD_BYTES) {
    return fail(
      new CamlinkError('PAYLOAD_TOO_LARGE', `requests are at most ${UPLOAD_URL_MAX_PAYLOAD_BYTES} bytes`),
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString('utf8'));
  } catch {
    return fail(new CamlinkError('VALIDATION_FAILED', 'the request is not JSON'));
  }
  const token = (json as { clientToken?: unknown } | null)?.clientToken;
  const clientToken = typeof token === 'string' && CLIENT_TOKEN.test(token) ? token : undefined;
  const parsed = uploadUrlRequestSchema.safeParse(json);
  if (!parsed.success) {
    return fail(new CamlinkError('VALIDATION_FAILED', describeIssues(parsed.error, 'request')), clientToken);
  }
  return { ok: true, request: parsed.data };
}
