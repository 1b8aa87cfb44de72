/**
 * A PutMedia request as a producer sends it, for tests that need to control the body byte by byte:
 * signed by @smithy/signature-v4 (the SDK's signer) with the empty-body hash, body written as it comes,
 * acknowledgement lines collected as they arrive.
 */
import { createHash, createHmac } from 'node:crypto';
import https from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

class NodeSha256 implements Checksum {
  private hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    throw new Error('not used');
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export interface AckLine {
  EventType: string;
  FragmentTimecode?: number;
  FragmentNumber?: string;
  ErrorId?: number;
  ErrorCode?: string;
}

export interface PutMediaCall {
  readonly acks: AckLine[];
  /** Resolves when an ack matching `test` has arrived (earlier ones count). */
  ack(test: (a: AckLine) => boolean): Promise<AckLine>;
  write(bytes: Uint8Array): void;
  end(): Promise<{ status: number }>;
  /** Resolves with the status once the response has ended. */
  readonly done: Promise<{ status: number; body: string }>;
  destroy(): void;
}

export async function putMedia(options: {
  endpoint: string;
  ca: Buffer;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  stream: string;
  producerStartMs?: number;
}): Promise<PutMediaCall> {
  const url = new URL('/putMedia', options.endpoint);
  const signer = new SignatureV4({
    service: 'kinesisvideo',
    region: 'us-east-1',
    credentials: options.credentials,
    sha256: NodeSha256,
  });
  const headers: Record<string, string> = {
    host: url.host,
    'x-amzn-stream-name': options.stream,
    'x-amzn-fragment-acknowledgment-required': '1',
    'x-amz-content-sha256': EMPTY_SHA256,
    ...(options.producerStartMs === undefined
      ? { 'x-amzn-fragment-timecode-type': 'ABSOLUTE' }
      : {
          'x-amzn-fragment-timecode-type': 'RELATIVE',
          'x-amzn-producer-start-timestamp': (options.producerStartMs / 1000).toFixed(3),
        }),
  };
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    headers,
  });
  const req = https.request(url, {
    method: 'POST',
    ca: options.ca,
    headers: { ...signed.headers, 'transfer-encoding': 'chunked' },
    agent: false,
  });
  const acks: AckLine[] = [];
  const waiters: { test: (a: AckLine) => boolean; resolve: (a: AckLine) => void }[] = [];
  const done = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      let buffered = '';
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
        buffered += d.toString();
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line === '') continue;
          const a = JSON.parse(line) as AckLine;
          acks.push(a);
          for (const w of waiters.splice(0)) {
            if (w.test(a)) w.resolve(a);
            else waiters.push(w);
          }
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
  });
  done.catch(() => undefined);
  req.flushHeaders();
  return {
    acks,
    ack: (test) =>
      new Promise((resolve) => {
        const found = acks.find(test);
        if (found) resolve(found);
        else waiters.push({ test, resolve });
      }),
    write: (bytes) => void req.write(bytes),
    end: async () => {
      req.end();
      return done;
    },
    done,
    destroy: () => req.destroy(),
  };
}
