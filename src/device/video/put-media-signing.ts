/**
 * The signed request line and headers of a PutMedia call (KVS data plane `POST /putMedia`), with
 * @smithy/signature-v4, service `kinesisvideo`. The body is a stream of unknown length, so, as the
 * official C producer does, the payload is signed as if it were empty: `x-amz-content-sha256` is the
 * SHA-256 of the empty string, sent and signed. Temporary credentials add `x-amz-security-token`.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { systemClock, type Clock } from '../../util/clock.js';

/** SHA-256 of the empty string. */
export const EMPTY_PAYLOAD_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export type TimecodeType = 'ABSOLUTE' | 'RELATIVE';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export interface PutMediaRequestOptions {
  /** The data endpoint from GetDataEndpoint(PUT_MEDIA), http(s)://host[:port]. */
  readonly dataEndpoint: string;
  readonly streamName: string;
  readonly region: string;
  readonly credentials: () => Promise<AwsCredentials>;
  /** ABSOLUTE: cluster timecodes are wall-clock times; RELATIVE (default): offsets from the start time. */
  readonly timecodeType?: TimecodeType;
  /** x-amzn-producer-start-timestamp; default: the clock's now. */
  readonly producerStartTime?: Date;
  readonly clock?: Clock;
  readonly userAgent?: string;
}

export interface SignedPutMediaRequest {
  readonly url: URL;
  /** Every header to send, signed or not (transfer-encoding, connection, user-agent are not signed). */
  readonly headers: Readonly<Record<string, string>>;
}

export async function signPutMediaRequest(options: PutMediaRequestOptions): Promise<SignedPutMediaRequest> {
  const clock = options.clock ?? systemClock;
  const url = new URL('/putMedia', options.dataEndpoint);
  const start = options.producerStartTime ?? clock.now();
  const headers: Record<string, string> = {
    host: url.host,
    'x-amzn-stream-name': options.streamName,
    'x-amzn-fragment-timecode-type': options.timecodeType ?? 'RELATIVE',
    'x-amzn-producer-start-timestamp': (start.getTime() / 1000).toFixed(3),
    'x-amzn-fragment-acknowledgment-required': '1',
    'x-amz-content-sha256': EMPTY_PAYLOAD_SHA256,
    'transfer-encoding': 'chunked',
    connection: 'keep-alive',
    'user-agent': options.userAgent ?? 'camlink-camera',
  };
  const signer = new SignatureV4({
    service: 'kinesisvideo',
    region: options.region,
    credentials: options.credentials,
    sha256: NodeSha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query: {},
      headers,
    },
    { signingDate: clock.now() },
  );
  return { url, headers: { ...signed.headers } };
}

/** The SHA-256 / HMAC-SHA-256 the signer needs (the Hash shape of @smithy/types), over node:crypto. */
export class NodeSha256 {
  readonly #secret: Buffer | undefined;
  #hash: Hash | Hmac;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#secret = secret === undefined ? undefined : toBuffer(secret);
    this.#hash = this.#fresh();
  }

  update(data: string | ArrayBuffer | ArrayBufferView, encoding?: 'utf8' | 'ascii' | 'latin1'): void {
    this.#hash.update(typeof data === 'string' ? Buffer.from(data, encoding ?? 'utf8') : toBuffer(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#hash.digest()));
  }

  reset(): void {
    this.#hash = this.#fresh();
  }

  #fresh(): Hash | Hmac {
    return this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
