/**
 * A PutMedia request as a producer sends it, for tests that need to control the body byte by byte:
 * signed as the camera signs it (src/device/video/put-media-signing.ts), body written as it comes,
 * acknowledgement lines collected as they arrive.
 */
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { signPutMediaRequest } from '../../src/device/video/put-media-signing.js';

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
  readonly done: Promise<{ status: number; body: string; headers: IncomingHttpHeaders }>;
  destroy(): void;
}

export async function putMedia(options: {
  endpoint: string;
  ca: Buffer;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  stream: string;
  producerStartMs?: number;
}): Promise<PutMediaCall> {
  // The camera's own signer (the SDK's SignatureV4 over the empty-body hash).
  const { url, headers } = await signPutMediaRequest({
    dataEndpoint: options.endpoint,
    streamName: options.stream,
    region: 'us-east-1',
    credentials: () => Promise.resolve(options.credentials),
    ...(options.producerStartMs === undefined
      ? { timecodeType: 'ABSOLUTE' as const }
      : { timecodeType: 'RELATIVE' as const, producerStartTime: new Date(options.producerStartMs) }),
  });
  const req = https.request(url, {
    method: 'POST',
    ca: options.ca,
    headers,
    agent: false,
  });
  const acks: AckLine[] = [];
  const waiters: { test: (a: AckLine) => boolean; resolve: (a: AckLine) => void }[] = [];
  const done = new Promise<{ status: number; body: string; headers: IncomingHttpHeaders }>(
    (resolve, reject) => {
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
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        res.on('error', reject);
      });
    },
  );
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
