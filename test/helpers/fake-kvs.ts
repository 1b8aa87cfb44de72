/**
 * A small stand-in for Kinesis Video Streams over plain HTTP, until the platform's own ingest serves
 * PutMedia: DescribeStream and GetDataEndpoint (restJson1, itself as the data endpoint) for the given
 * streams, and `POST /putMedia` that counts the Clusters of the streamed body and acknowledges each one
 * (BUFFERING when it starts, then `onFragment` when it is complete: RECEIVED by default).
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { MkvClusterCounter } from '../../src/device/video/mkv-clusters.js';

export type Ack = (event: string, fragment: number, extra?: Record<string, unknown>) => void;

export interface FakeKvsOptions {
  /** Streams that exist, with their retention (default: none). */
  streams?: Record<string, { retentionHours: number }>;
  /** What the data plane does when fragment n (1-based) has fully arrived; default RECEIVED. */
  onFragment?: (n: number, ack: Ack) => void;
  /** Refuse PutMedia with this HTTP answer. */
  refuse?: { status: number; type: string; message: string };
  /** Checks each request (e.g. its SigV4 signature); a throw becomes a 403. */
  verify?: (req: http.IncomingMessage) => void;
}

export interface FakeKvsRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  bytes: number;
}

export async function startFakeKvs(t: TestContext, options: FakeKvsOptions = {}) {
  const seen: FakeKvsRequest[] = [];
  let url = '';
  const fail = (res: http.ServerResponse, status: number, type: string, message: string) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-ErrorType': `${type}:http://internal.amazon.com/`,
    });
    res.end(JSON.stringify({ message }));
  };
  const server = http.createServer((req, res) => {
    const record: FakeKvsRequest = { path: req.url ?? '', headers: req.headers, bytes: 0 };
    seen.push(record);
    try {
      options.verify?.(req);
    } catch (err) {
      req.resume();
      fail(res, 403, 'NotAuthorizedException', err instanceof Error ? err.message : String(err));
      return;
    }
    if (req.url === '/describeStream' || req.url === '/getDataEndpoint') {
      let text = '';
      req.on('data', (d: Buffer) => (text += d.toString()));
      req.on('end', () => {
        const body = JSON.parse(text) as { StreamName?: string };
        const name = body.StreamName ?? '';
        const stream = options.streams?.[name];
        if (stream === undefined) {
          fail(
            res,
            404,
            'ResourceNotFoundException',
            `The requested stream ${name} is not found or not active.`,
          );
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            req.url === '/getDataEndpoint'
              ? { DataEndpoint: url }
              : {
                  StreamInfo: {
                    StreamName: name,
                    StreamARN: `arn:aws:kinesisvideo:us-east-1:000000000000:stream/${name}/1`,
                    Status: 'ACTIVE',
                    DataRetentionInHours: stream.retentionHours,
                    CreationTime: 1_700_000_000,
                    Version: 'v1',
                  },
                },
          ),
        );
      });
      return;
    }
    if (req.url !== '/putMedia') {
      req.resume();
      fail(res, 404, 'InvalidArgumentException', `no ${req.url ?? ''}`);
      return;
    }
    if (options.refuse) {
      req.resume();
      fail(res, options.refuse.status, options.refuse.type, options.refuse.message);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    const ack: Ack = (event, fragment, extra = {}) =>
      res.write(
        `${JSON.stringify({ EventType: event, FragmentTimecode: (fragment - 1) * 1000, FragmentNumber: `9134${fragment}`, ...extra })}\n`,
      );
    const onFragment = options.onFragment ?? ((n, a) => a('RECEIVED', n));
    const counter = new MkvClusterCounter();
    counter.on('cluster', (n: number) => {
      ack('BUFFERING', n);
      if (n > 1) onFragment(n - 1, ack);
    });
    counter.on('data', (d: Buffer) => (record.bytes += d.length));
    counter.on('end', () => {
      if (counter.clusters > 0) onFragment(counter.clusters, ack);
      res.end();
    });
    counter.on('error', () => res.destroy());
    req.pipe(counter);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url, seen };
}
