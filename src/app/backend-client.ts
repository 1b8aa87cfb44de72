/**
 * The phone app's side of the backend API (what `camlink app` and `camlink demo` use): typed calls over
 * HTTPS with the platform CA (or the system trust for a public backend), errors turned back into
 * CamlinkErrors with the backend's stable code, and the user's event stream (SSE) with Last-Event-ID
 * resumption. Shapes follow docs/api.md.
 */
import https from 'node:https';
import http from 'node:http';
import { CamlinkError } from '../errors/camlink-error.js';
import { errorRegistry, type ErrorCode } from '../errors/registry.js';
import { SseParser, type SseEvent } from './sse.js';

export interface BackendClientOptions {
  /** e.g. https://127.0.0.1:8080 (the `api` of endpoints.json). */
  readonly baseUrl: string;
  readonly token: string;
  /** Extra trust anchor (the embedded platform's CA). */
  readonly ca?: Buffer | undefined;
  /** Per-request timeout for the JSON calls. */
  readonly timeoutMs?: number;
}

export interface Challenge {
  challengeId: string;
  nonce: string;
  deviceId: string;
  expiresAt: string;
  /** base64 of the exact bytes the camera signs. */
  signingInput: string;
}

export interface IssuedUpload {
  uploadId: string;
  deviceId: string;
  bucket: string;
  key: string;
  url: string;
  put: { url: string; method: 'PUT'; headers: Record<string, string>; expiresAt: string };
}

export interface UploadView {
  uploadId: string;
  deviceId: string;
  status: 'pending' | 'done' | 'rejected';
  contentType: string;
  size: number | null;
  sha256: string | null;
  createdAt: string;
  completedAt: string | null;
  url: string;
  get?: { url: string; expiresAt: string };
}

export interface BackendEvent {
  id: string;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export class BackendClient {
  private readonly agent: http.Agent;
  private readonly secure: boolean;

  constructor(private readonly options: BackendClientOptions) {
    this.secure = options.baseUrl.startsWith('https:');
    this.agent = this.secure
      ? new https.Agent({ keepAlive: true, ...(options.ca ? { ca: options.ca } : {}) })
      : new http.Agent({ keepAlive: true });
  }

  close(): void {
    this.agent.destroy();
  }

  me(): Promise<{ kind: string; user?: { id: string; name: string } }> {
    return this.call('GET', '/v1/me');
  }

  /** Operator: provision a device from its CSR (thing + certificate + policy through the IoT API). */
  provisionDevice(
    deviceId: string,
    csr: string,
  ): Promise<{
    device: { deviceId: string };
    certificatePem: string;
    certificateArn: string;
    /** The camera's Kinesis video stream, when the backend could create it. */
    videoStream: string | null;
  }> {
    return this.call('POST', '/v1/devices/provision', { deviceId, csr });
  }

  /** Operator: register a device id with the backend (its certificate id when known). */
  registerDevice(deviceId: string, certificateId?: string): Promise<{ device: { deviceId: string } }> {
    return this.call('POST', '/v1/devices', {
      deviceId,
      ...(certificateId === undefined ? {} : { certificateId }),
    });
  }

  /** The caller's devices (the operator: all of them). */
  listDevices(): Promise<{ devices: { deviceId: string; certificateId: string | null }[] }> {
    return this.call('GET', '/v1/devices');
  }

  /** Operator: create the camera's Kinesis video stream unless it exists (`created` says which). */
  createVideoStream(
    deviceId: string,
  ): Promise<{ stream: { streamName: string; streamArn: string; created: boolean } }> {
    return this.call('POST', `/v1/devices/${encodeURIComponent(deviceId)}/video/stream`);
  }

  /** An HLS session URL for a camera's video (LIVE, or ON_DEMAND for a time range). */
  videoHls(
    deviceId: string,
    request: { mode: 'LIVE' } | { mode: 'ON_DEMAND'; start: Date; end: Date } = { mode: 'LIVE' },
  ): Promise<{ hls: { url: string; mode: string; expiresAt: string; deviceId: string } }> {
    const q = new URLSearchParams({ mode: request.mode });
    if (request.mode === 'ON_DEMAND') {
      q.set('start', request.start.toISOString());
      q.set('end', request.end.toISOString());
    }
    return this.call('GET', `/v1/devices/${encodeURIComponent(deviceId)}/video/hls?${q.toString()}`);
  }

  /** Operator: create a user; the answer holds the user's first token (shown once). */
  createUser(
    name: string,
  ): Promise<{ user: { id: string; name: string }; token: { id: string; token: string } }> {
    return this.call('POST', '/v1/users', { name });
  }

  createChallenge(deviceId: string): Promise<Challenge> {
    return this.call('POST', '/v1/pairing/challenges', { deviceId });
  }

  pair(challengeId: string, signature: Buffer): Promise<{ device: { deviceId: string }; pairedAt: string }> {
    return this.call('POST', '/v1/pairing', { challengeId, signature: signature.toString('base64') });
  }

  issueUpload(
    deviceId: string,
    body: { contentType: string; size?: number; sha256?: string },
  ): Promise<IssuedUpload> {
    return this.call('POST', `/v1/devices/${encodeURIComponent(deviceId)}/uploads`, body);
  }

  getUpload(uploadId: string): Promise<{ upload: UploadView }> {
    return this.call('GET', `/v1/uploads/${encodeURIComponent(uploadId)}`);
  }

  listUploads(deviceId: string, limit = 20): Promise<{ uploads: UploadView[]; next: string | null }> {
    return this.call('GET', `/v1/devices/${encodeURIComponent(deviceId)}/uploads?limit=${limit}`);
  }

  /**
   * Follows the event stream until `signal` aborts; reconnects after a dropped connection with
   * Last-Event-ID (the server's `retry:` delay, default 3 s), so no buffered event is missed.
   */
  async watch(
    onEvent: (event: BackendEvent) => void,
    signal: AbortSignal,
    onOpen?: () => void,
  ): Promise<void> {
    let lastEventId: string | undefined;
    let retryMs = 3_000;
    while (!signal.aborted) {
      try {
        await this.stream(
          lastEventId,
          (e) => {
            lastEventId = e.lastEventId || lastEventId;
            onEvent(JSON.parse(e.data) as BackendEvent);
          },
          (ms) => (retryMs = ms),
          signal,
          onOpen,
        );
      } catch (err) {
        if (signal.aborted) return;
        // Auth and request errors do not get better by retrying.
        if (err instanceof CamlinkError && !err.retryable) throw err;
      }
      if (signal.aborted) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, retryMs);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private stream(
    lastEventId: string | undefined,
    onEvent: (e: SseEvent) => void,
    onRetry: (ms: number) => void,
    signal: AbortSignal,
    onOpen: (() => void) | undefined,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const req = this.request('GET', '/v1/events', {
        accept: 'text/event-stream',
        ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
      });
      const abort = () => req.destroy();
      signal.addEventListener('abort', abort, { once: true });
      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          readBody(res)
            .then((body) => reject(toError(res.statusCode ?? 0, body)))
            .catch(reject);
          return;
        }
        onOpen?.();
        const parser = new SseParser({ onEvent, onRetry });
        res.on('data', (chunk: Buffer) => {
          try {
            parser.push(chunk);
          } catch (err) {
            req.destroy(err instanceof Error ? err : new Error(String(err)));
          }
        });
        res.on('end', () => resolve());
        res.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
      });
      req.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
      req.end();
    });
  }

  private request(method: string, path: string, headers: Record<string, string>): http.ClientRequest {
    const url = new URL(path, this.options.baseUrl);
    const common = {
      method,
      agent: this.agent,
      headers: { authorization: `Bearer ${this.options.token}`, ...headers },
    };
    return this.secure ? https.request(url, common) : http.request(url, common);
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const req = this.request(
        method,
        path,
        body === undefined ? {} : { 'content-type': 'application/json' },
      );
      req.setTimeout(this.options.timeoutMs ?? 30_000, () =>
        req.destroy(new CamlinkError('UPSTREAM_FAILED', `${method} ${path}: no answer in time`)),
      );
      req.on('response', (res) => {
        readBody(res)
          .then((text) => {
            const status = res.statusCode ?? 0;
            if (status >= 300) return reject(toError(status, text));
            resolve((text === '' ? {} : JSON.parse(text)) as T);
          })
          .catch(reject);
      });
      req.on('error', (err) =>
        reject(
          err instanceof CamlinkError
            ? err
            : new CamlinkError('UPSTREAM_FAILED', `${method} ${path}: ${err.message}`, { cause: err }),
        ),
      );
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES)
        res.destroy(new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`));
      else chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/** The backend's JSON error as the CamlinkError it was on the server (unknown codes: UPSTREAM_FAILED). */
function toError(status: number, body: string): CamlinkError {
  let code: string | undefined;
  let message = body.slice(0, 500);
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.code === 'string') code = parsed.error.code;
    if (typeof parsed.error?.message === 'string') message = parsed.error.message;
  } catch {
    /* not JSON: keep the text */
  }
  if (code !== undefined && code in errorRegistry) return new CamlinkError(code as ErrorCode, message);
  return new CamlinkError('UPSTREAM_FAILED', `backend answered ${status}: ${message}`);
}
