/**
 * The aws-chunked signature chain (S3 API Reference "sigv4-streaming" and "sigv4-streaming-trailers"):
 * each chunk is signed over the previous signature (the request's signature seeds the chain), the empty
 * hash and the chunk's SHA-256; a signed trailer is signed over the last chunk signature and the hash of
 * the trailer lines.
 */
import { sha256Hex } from './canonical-request.js';
import { signaturesEqual, signString } from './signing-key.js';

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export function chunkStringToSign(
  amzDate: string,
  scope: string,
  previous: string,
  chunkSha256: string,
): string {
  return ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, previous, EMPTY_SHA256, chunkSha256].join('\n');
}

/** `trailerLines` are the canonical "name:value\n" lines (one per trailing header). */
export function trailerStringToSign(
  amzDate: string,
  scope: string,
  previous: string,
  trailerLines: string,
): string {
  return ['AWS4-HMAC-SHA256-TRAILER', amzDate, scope, previous, sha256Hex(trailerLines)].join('\n');
}

export class ChunkSignatureChain {
  #previous: string;

  constructor(
    private readonly key: Buffer,
    private readonly amzDate: string,
    private readonly scope: string,
    seedSignature: string,
  ) {
    this.#previous = seedSignature;
  }

  /** Checks the next chunk's signature and advances the chain; false leaves the chain where it was. */
  verifyChunk(chunkSha256: string, signature: string): boolean {
    const expected = signString(
      this.key,
      chunkStringToSign(this.amzDate, this.scope, this.#previous, chunkSha256),
    );
    if (!signaturesEqual(expected, signature)) return false;
    this.#previous = expected;
    return true;
  }

  verifyTrailer(trailerLines: string, signature: string): boolean {
    const expected = signString(
      this.key,
      trailerStringToSign(this.amzDate, this.scope, this.#previous, trailerLines),
    );
    return signaturesEqual(expected, signature);
  }
}
