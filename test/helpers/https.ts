/** Minimal HTTPS client for raw S3 requests (exact method, path and headers), and curl as a peer. */
import { request, type Agent } from 'node:https';
import { execFile } from 'node:child_process';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export function rawRequest(
  agent: Agent,
  url: string,
  options: {
    method: string;
    headers?: Record<string, string>;
    body?: Buffer | string;
    hostHeader?: string;
    /** Connect here instead of the URL's port (the URL may name a public host). */
    port?: number;
  },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port: options.port ?? target.port,
        servername: 'localhost',
        method: options.method,
        path: `${target.pathname}${target.search}`,
        headers: { host: options.hostHeader ?? target.host, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The S3 error code in an XML error body. */
export function s3Code(body: Buffer): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(body.toString('utf8'))?.[1];
}

export function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('curl', args, { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(new Error(err.message));
      else resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
    });
  });
}
