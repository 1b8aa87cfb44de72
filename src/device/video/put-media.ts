/**
 * A PutMedia client (KVS data plane, full duplex): streams a Readable of MKV bytes as the chunked body
 * of one signed `POST /putMedia` while it reads the acknowledgement lines of the response. Emits
 * 'fragment' as each Cluster leaves and 'ack' per acknowledgement; `result` resolves once the body is
 * done and every fragment sent has its final acknowledgement (RECEIVED, or PERSISTED when asked; an
 * ERROR counts as final and is reported), or when the response ends. Bounded: the acknowledgement
 * line length, the error body read, and the time without any acknowledgement while one is due.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CamlinkError } from '../../errors/camlink-error.js';
import { AckLineParser, DEFAULT_MAX_ACK_LINE_BYTES, type PutMediaAck } from './ack-lines.js';
import { MkvClusterCounter } from './mkv-clusters.js';
import { signPutMediaRequest, type PutMediaRequestOptions } from './put-media-signing.js';

export interface PutMediaOptions extends PutMediaRequestOptions {
  /** The MKV stream: one Segment, one Cluster per fragment. */
  readonly body: Readable;
  /** Trust anchor for an https data endpoint; absent: the system roots. */
  readonly ca?: string | Buffer | (string | Buffer)[];
  /** Wait for PERSISTED rather than RECEIVED (the stream keeps data: retention > 0). */
  readonly awaitPersisted?: boolean;
  /** Fail when no acknowledgement arrives this long while one is due (default 30 s). */
  readonly ackTimeoutMs?: number;
  readonly maxAckLineBytes?: number;
}

export interface PutMediaResult {
  /** Clusters written to the request. */
  readonly fragmentsSent: number;
  readonly fragmentsReceived: number;
  readonly fragmentsPersisted: number;
  /** The ERROR acknowledgements. */
  readonly errors: readonly PutMediaAck[];
  readonly bytesSent: number;
  /** false: the response ended before every fragment was acknowledged. */
  readonly complete: boolean;
}

interface PutMediaEvents {
  fragment: [number];
  ack: [PutMediaAck];
}

const MAX_ERROR_BODY_BYTES = 8 * 1024;

export class PutMediaUpload extends EventEmitter<PutMediaEvents> {
  readonly result: Promise<PutMediaResult>;
  readonly #counter = new MkvClusterCounter();
  readonly #received = new Set<string>();
  readonly #persisted = new Set<string>();
  readonly #errored = new Set<string>();
  readonly #errors: PutMediaAck[] = [];
  readonly #options: PutMediaOptions;
  #bodyDone = false;
  #settled = false;
  /** A non-200 answer is being read: write errors that follow it are not the reason. */
  #refused = false;
  #timer: NodeJS.Timeout | undefined;
  #request: http.ClientRequest | undefined;
  #resolve!: (result: PutMediaResult) => void;
  #reject!: (err: unknown) => void;

  constructor(options: PutMediaOptions) {
    super();
    this.#options = options;
    this.result = new Promise<PutMediaResult>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#counter.on('cluster', (n: number) => {
      this.emit('fragment', n);
      this.#arm();
    });
    this.#start().catch((err: unknown) => this.#fail(err));
  }

  /** What has happened so far. */
  get stats(): PutMediaResult {
    return {
      fragmentsSent: this.#counter.clusters,
      fragmentsReceived: this.#received.size,
      fragmentsPersisted: this.#persisted.size,
      errors: [...this.#errors],
      bytesSent: this.#counter.bytes,
      complete: this.#bodyDone && this.#outstanding() === 0,
    };
  }

  /** Stops at once: the request and the body are destroyed; `result` rejects unless already settled. */
  abort(reason = 'aborted'): void {
    this.#fail(new CamlinkError('DEVICE_KVS_FAILED', `PutMedia ${reason}`));
  }

  async #start(): Promise<void> {
    const { url, headers } = await signPutMediaRequest(this.#options);
    if (this.#settled) return;
    const transport = url.protocol === 'https:' ? https : http;
    const req = transport.request(url, {
      method: 'POST',
      headers,
      agent: false,
      ...(url.protocol === 'https:' && this.#options.ca !== undefined ? { ca: this.#options.ca } : {}),
    });
    this.#request = req;
    req.on('response', (res) => this.#onResponse(res));
    req.on('error', (err) => {
      if (!this.#refused) this.#fail(this.#transportError(err));
    });
    this.#arm();
    pipeline(this.#options.body, this.#counter, req).then(
      () => {
        this.#bodyDone = true;
        this.#arm();
        this.#check();
      },
      (err: unknown) => {
        if (err instanceof CamlinkError) this.#fail(err);
        else if (!this.#refused) this.#fail(this.#transportError(err));
      },
    );
  }

  #onResponse(res: http.IncomingMessage): void {
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      this.#refused = true;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < MAX_ERROR_BODY_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('error', () => undefined);
      res.on('close', () => {
        const text = Buffer.concat(chunks).toString('utf8').slice(0, MAX_ERROR_BODY_BYTES);
        const type = res.headers['x-amzn-errortype'] ?? res.headers['x-amz-errortype'];
        const reason = `${typeof type === 'string' ? `${type.split(':')[0] ?? type}: ` : ''}${messageOf(text)}`;
        const code = status >= 400 && status < 500 ? 'DEVICE_KVS_REFUSED' : 'DEVICE_KVS_FAILED';
        this.#fail(
          new CamlinkError(code, `PutMedia ${this.#options.streamName}: HTTP ${status} ${reason}`, {
            details: { status },
          }),
        );
      });
      return;
    }
    const parser = new AckLineParser(this.#options.maxAckLineBytes ?? DEFAULT_MAX_ACK_LINE_BYTES);
    res.on('data', (chunk: Buffer) => {
      try {
        for (const ack of parser.push(chunk)) this.#onAck(ack);
      } catch (err) {
        this.#fail(err);
      }
    });
    res.on('error', (err) => this.#fail(this.#transportError(err)));
    res.on('end', () => {
      try {
        for (const ack of parser.end()) this.#onAck(ack);
      } catch (err) {
        this.#fail(err);
        return;
      }
      // The service closed the response: whatever is unacknowledged stays so.
      this.#finish();
    });
  }

  #onAck(ack: PutMediaAck): void {
    if (this.#settled) return;
    const key = ack.fragmentNumber ?? String(ack.fragmentTimecode ?? '');
    switch (ack.type) {
      case 'RECEIVED':
        this.#received.add(key);
        break;
      case 'PERSISTED':
        this.#received.add(key);
        this.#persisted.add(key);
        break;
      case 'ERROR':
        this.#errored.add(`${key}#${this.#errors.length}`);
        this.#errors.push(ack);
        break;
      default:
        break;
    }
    this.emit('ack', ack);
    this.#arm(true);
    this.#check();
  }

  #outstanding(): number {
    const done =
      (this.#options.awaitPersisted === true ? this.#persisted.size : this.#received.size) +
      this.#errored.size;
    return Math.max(0, this.#counter.clusters - done);
  }

  #check(): void {
    if (this.#bodyDone && this.#outstanding() === 0) this.#finish();
  }

  /** (Re)starts the acknowledgement timer while an acknowledgement is due. */
  #arm(restart = false): void {
    if (this.#settled) return;
    const due = this.#outstanding() > 0;
    if (!due) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      return;
    }
    if (this.#timer !== undefined && !restart) return;
    clearTimeout(this.#timer);
    const ms = this.#options.ackTimeoutMs ?? 30_000;
    this.#timer = setTimeout(() => {
      const s = this.stats;
      this.#fail(
        new CamlinkError(
          'DEVICE_KVS_FAILED',
          `PutMedia ${this.#options.streamName}: no acknowledgement within ${ms} ms (${s.fragmentsReceived} of ${s.fragmentsSent} fragment(s) acknowledged)`,
        ),
      );
    }, ms);
  }

  #finish(): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    const result = this.stats;
    this.#request?.destroy();
    this.#options.body.destroy();
    this.#resolve(result);
  }

  #fail(err: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#request?.destroy();
    this.#options.body.destroy();
    this.#reject(err);
  }

  #transportError(err: unknown): CamlinkError {
    const message = err instanceof Error ? err.message : String(err);
    return new CamlinkError('DEVICE_KVS_FAILED', `PutMedia ${this.#options.dataEndpoint}: ${message}`, {
      cause: err,
    });
  }
}

/** Starts one PutMedia call; see PutMediaUpload. */
export function putMedia(options: PutMediaOptions): PutMediaUpload {
  return new PutMediaUpload(options);
}

/** The "message" of a JSON error body, or the text itself. */
function messageOf(text: string): string {
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === 'object' && json !== null) {
      for (const key of ['message', 'Message']) {
        const value: unknown = (json as Record<string, unknown>)[key];
        if (typeof value === 'string') return value;
      }
    }
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 300);
}
