/**
 * Decoder for Content-Encoding: aws-chunked bodies (S3 API Reference "sigv4-streaming" and
 * "sigv4-streaming-trailers"), as a stream Transform that emits the object bytes:
 *
 *   signed:    hex(size);chunk-signature=<sig>\r\n <data> \r\n ... 0;chunk-signature=<sig>\r\n [trailers] \r\n
 *   unsigned:  hex(size)\r\n <data> \r\n ... 0\r\n x-amz-checksum-crc32:<b64>\r\n \r\n
 *
 * Signed modes verify every chunk against the signature chain seeded by the request signature, and a
 * signed trailer against x-amz-trailer-signature. Only the trailers announced in x-amz-trailer are
 * accepted. No minimum chunk size is enforced (the JS SDK sends one chunk per stream read).
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { ChunkSignatureChain } from '../auth/sigv4/chunk-signature.js';
import { S3Error } from './s3-errors.js';

const CRLF = Buffer.from('\r\n');
const MAX_LINE = 4096;
const MAX_TRAILERS = 8;

export interface AwsChunkedOptions {
  /** Present for STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]: every chunk must carry its signature. */
  chain: ChunkSignatureChain | undefined;
  /** Trailer names announced in x-amz-trailer (lowercase); empty when the mode has no trailer. */
  trailerNames: readonly string[];
  signedTrailer: boolean;
  /** x-amz-decoded-content-length, checked at the end. */
  decodedLength: number | undefined;
}

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

export class AwsChunkedDecoder extends Transform {
  readonly trailers = new Map<string, string>();
  #state: State = 'size';
  #buffer: Buffer = Buffer.alloc(0);
  #remaining = 0;
  #signature: string | undefined;
  #chunkHash: Hash | undefined;
  #decoded = 0;
  #trailerSignature: string | undefined;

  constructor(private readonly options: AwsChunkedOptions) {
    super({ readableHighWaterMark: 1024 * 1024, writableHighWaterMark: 1024 * 1024 });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#consume();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.#state === 'trailer' && this.#buffer.length === 0 && this.trailers.size === 0)
        this.#finishTrailer();
      if (this.#state !== 'done' || this.#buffer.length > 0) {
        throw new S3Error('IncompleteBody', 'The aws-chunked body ended before its final chunk');
      }
      if (this.options.decodedLength !== undefined && this.#decoded !== this.options.decodedLength) {
        throw new S3Error(
          'IncompleteBody',
          `x-amz-decoded-content-length is ${this.options.decodedLength} but the body holds ${this.#decoded} bytes`,
        );
      }
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  #consume(): void {
    for (;;) {
      if (this.#state === 'data') {
        if (this.#buffer.length === 0) return;
        const take = Math.min(this.#remaining, this.#buffer.length);
        const data = this.#buffer.subarray(0, take);
        this.#buffer = this.#buffer.subarray(take);
        this.#remaining -= take;
        this.#decoded += take;
        this.#chunkHash?.update(data);
        this.push(data);
        if (this.#remaining > 0) return;
        this.#state = 'data-end';
        continue;
      }
      if (this.#state === 'done') {
        if (this.#buffer.length > 0)
          throw new S3Error('IncompleteBody', 'Bytes follow the final aws-chunked chunk');
        return;
      }
      const line = this.#line();
      if (line === undefined) return;
      if (this.#state === 'data-end') {
        if (line !== '')
          throw new S3Error('IncompleteBody', 'An aws-chunked chunk is longer than its size line');
        this.#verifyChunk();
        this.#state = 'size';
      } else if (this.#state === 'size') {
        this.#startChunk(line);
      } else {
        this.#trailerLine(line);
      }
    }
  }

  #line(): string | undefined {
    const end = this.#buffer.indexOf(CRLF);
    if (end < 0) {
      if (this.#buffer.length > MAX_LINE)
        throw new S3Error('IncompleteBody', 'An aws-chunked line is too long');
      return undefined;
    }
    const line = this.#buffer.subarray(0, end).toString('latin1');
    this.#buffer = this.#buffer.subarray(end + 2);
    return line;
  }

  #startChunk(line: string): void {
    const m = /^([0-9a-fA-F]{1,16})(?:;chunk-signature=([0-9a-f]{64}))?$/.exec(line);
    if (!m) throw new S3Error('IncompleteBody', 'An aws-chunked size line is malformed');
    const size = parseInt(m[1] ?? '', 16);
    if (this.options.chain !== undefined && m[2] === undefined) {
      throw new S3Error(
        'SignatureDoesNotMatch',
        'A signed aws-chunked body has a chunk without chunk-signature',
      );
    }
    if (this.options.decodedLength !== undefined && this.#decoded + size > this.options.decodedLength) {
      throw new S3Error('IncompleteBody', 'The aws-chunked body is longer than x-amz-decoded-content-length');
    }
    this.#signature = m[2];
    this.#chunkHash = this.options.chain ? createHash('sha256') : undefined;
    if (size === 0) {
      this.#verifyChunk();
      this.#state = 'trailer';
      return;
    }
    this.#remaining = size;
    // The signature covers the chunk's data: it is checked when the chunk ends (data-end).
    this.#state = 'data';
  }

  #verifyChunk(): void {
    const chain = this.options.chain;
    if (chain === undefined || this.#chunkHash === undefined || this.#signature === undefined) return;
    if (!chain.verifyChunk(this.#chunkHash.digest('hex'), this.#signature)) {
      throw new S3Error('SignatureDoesNotMatch', 'An aws-chunked chunk signature does not match');
    }
  }

  #trailerLine(line: string): void {
    if (line === '') {
      this.#finishTrailer();
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new S3Error('IncompleteBody', 'An aws-chunked trailer line is malformed');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') {
      this.#trailerSignature = value;
      return;
    }
    if (!this.options.trailerNames.includes(name)) {
      throw new S3Error('InvalidRequest', `The trailer ${name} was not announced in x-amz-trailer`);
    }
    if (this.trailers.has(name) || this.trailers.size >= MAX_TRAILERS) {
      throw new S3Error('InvalidRequest', 'Too many or repeated aws-chunked trailers');
    }
    this.trailers.set(name, value);
  }

  #finishTrailer(): void {
    if (this.options.signedTrailer) {
      const chain = this.options.chain;
      const lines = [...this.trailers].map(([name, value]) => `${name}:${value}\n`).join('');
      if (
        chain === undefined ||
        this.#trailerSignature === undefined ||
        !chain.verifyTrailer(lines, this.#trailerSignature)
      ) {
        throw new S3Error('SignatureDoesNotMatch', 'The aws-chunked trailer signature does not match');
      }
    }
    for (const name of this.options.trailerNames) {
      if (!this.trailers.has(name))
        throw new S3Error('IncompleteBody', `The announced trailer ${name} is missing`);
    }
    this.#state = 'done';
  }
}
