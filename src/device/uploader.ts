/**
 * The camera's PUT of a file to a pre-signed URL (S3 SigV4 or COS): streamed from disk with exactly
 * the headers the backend signed, progress reported, retried with backoff on 5xx, connection resets
 * and timeouts while the URL is still valid, never on 4xx (the URL, its headers or its expiry are
 * wrong: retrying cannot help). The SHA-256 is computed while the file is read for the notification.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import https from 'node:https';
import { CamlinkError } from '../errors/camlink-error.js';
import type { Clock } from '../util/clock.js';

export interface PutTarget {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly expiresAt: string | Date;
}

export interface PutOptions {
  readonly file: string;
  readonly target: PutTarget;
  readonly agent?: https.Agent;
  readonly clock: Clock;
  readonly onProgress?: (sent: number, total: number) => void;
  /** Attempts at most (default 5); each waits 0.5 s, 1 s, 2 s... before it, bounded by the expiry. */
  readonly maxAttempts?: number;
  /** Per-attempt inactivity timeout (default 30 s). */
  readonly timeoutMs?: number;
  /** Injectable pause between attempts (tests). */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface PutResult {
  readonly size: number;
  readonly sha256: string;
  readonly attempts: number;
  readonly etag: string | undefined;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function putFile(options: PutOptions): Promise<PutResult> {
  const { size } = await stat(options.file);
  const expiresAt = new Date(options.target.expiresAt).getTime();
  const maxAttempts = options.maxAttempts ?? 5;
  const sleep = options.sleep ?? defaultSleep;
  let lastError = 'no attempt made';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (attempt > 1) await sleep(Math.min(500 * 2 ** (attempt - 2), 8_000));
    if (options.clock.now().getTime() >= expiresAt) {
      throw new CamlinkError(
        'DEVICE_UPLOAD_FAILED',
        `the upload URL expired after ${attempt - 1} attempt(s): ${lastError}`,
      );
    }
    const outcome = await attemptPut(options, size);
    if (outcome.kind === 'ok') return { size, sha256: outcome.sha256, attempts: attempt, etag: outcome.etag };
    if (outcome.kind === 'refused') {
      throw new CamlinkError(
        'DEVICE_UPLOAD_REFUSED',
        `the store refused the PUT with ${outcome.status}: ${outcome.body}`,
      );
    }
    lastError = outcome.reason;
  }
  throw new CamlinkError('DEVICE_UPLOAD_FAILED', `the PUT failed ${maxAttempts} times; last: ${lastError}`);
}

type Attempt =
  | { kind: 'ok'; sha256: string; etag: string | undefined }
  | { kind: 'refused'; status: number; body: string }
  | { kind: 'retry'; reason: string };

function attemptPut(options: PutOptions, size: number): Promise<Attempt> {
  return new Promise((resolve) => {
    const hash = createHash('sha256');
    let sent = 0;
    let settled = false;
    const done = (a: Attempt) => {
      if (!settled) {
        settled = true;
        resolve(a);
      }
    };
    const headers: Record<string, string> = { ...options.target.headers, 'content-length': String(size) };
    const req = https.request(options.target.url, {
      method: 'PUT',
      headers,
      ...(options.agent ? { agent: options.agent } : {}),
    });
    req.setTimeout(options.timeoutMs ?? 30_000, () => req.destroy(new Error('timed out')));
    req.on('error', (err) => done({ kind: 'retry', reason: err.message }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.length < 64 && chunks.push(c));
      res.on('error', (err) => done({ kind: 'retry', reason: err.message }));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).toString('utf8').slice(0, 500);
        if (status >= 200 && status < 300) {
          const etag = res.headers.etag;
          done({ kind: 'ok', sha256: hash.digest('hex'), etag });
        } else if (status >= 500 || status === 408 || status === 429) {
          done({ kind: 'retry', reason: `${status} ${body}` });
        } else {
          done({ kind: 'refused', status, body });
        }
      });
    });
    const file = createReadStream(options.file);
    file.on('data', (chunk) => {
      const bytes = chunk as Buffer;
      hash.update(bytes);
      sent += bytes.length;
      options.onProgress?.(sent, size);
    });
    file.on('error', (err) => {
      req.destroy(err);
      done({ kind: 'retry', reason: err.message });
    });
    file.pipe(req);
  });
}
